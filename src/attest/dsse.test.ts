import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { EnvelopeSchema, EnvelopeSignatureSchema } from "../gen/grafeas/v1/common_pb.js";
import { DSSEAttestationOccurrenceSchema } from "../gen/grafeas/v1/dsse_attestation_pb.js";
import { parseImageReference } from "../image/image-reference.js";
import { GpgHome } from "./__fixtures__/gpg-home.js";
import {
  type EnvelopeInput,
  envelopeFromJson,
  envelopeToJson,
  inTotoPayloadType,
  preAuthenticationEncoding,
  simpleSigningPayloadType,
  verifyDsseEnvelope,
} from "./dsse.js";
import { signDsseEnvelope } from "./pkix-signer.js";
import { inTotoStatementPayload, simpleSigningPayload } from "./signing-payloads.js";
import { type TrustedKey, createTrustedKeys, niKeyId } from "./trusted-key.js";
import { verifyDsseAttestationOccurrence } from "./verify-attestation.js";

const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
const otherDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
const image = parseImageReference(`gcr.io/hightowerlabs/payment@${digest}`);
const statement = inTotoStatementPayload(image, { predicateType: "https://slsa.dev/provenance/v1" });

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const ecPrivatePem = ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const ed = generateKeyPairSync("ed25519");
const edKeyId = niKeyId(ed.publicKey.export({ type: "spki", format: "der" }));
let home: GpgHome;
let gpgFingerprint: string;
let keys: TrustedKey[];

function statementJson(subject: unknown, type = "https://in-toto.io/Statement/v0.1") {
  return Buffer.from(JSON.stringify({ _type: type, subject, predicateType: "https://example.com/qa/v1", predicate: {} }));
}

function edEnvelope(payload: Uint8Array, payloadType = inTotoPayloadType, keyid = edKeyId): EnvelopeInput {
  // Signed here with node:crypto directly, independently of the library's signer.
  const sig = sign(null, preAuthenticationEncoding(payloadType, payload), ed.privateKey);
  return { payload, payloadType, signatures: [{ sig, keyid }] };
}

before(async () => {
  home = GpgHome.create();
  gpgFingerprint = home.generate("dsse@example.com", "ed25519", "sign");
  keys = await createTrustedKeys([
    { kind: "pkix", publicKeyPem: ec.publicKey.export({ type: "spki", format: "pem" }).toString() },
    { kind: "pkix", publicKeyPem: ed.publicKey.export({ type: "spki", format: "pem" }).toString() },
    { kind: "pgp", armoredPublicKey: home.exportPublic(gpgFingerprint) },
  ]);
});

after(() => home.remove());

describe("DSSE pre-authentication encoding", () => {
  test("matches the DSSE specification's example", () => {
    const pae = preAuthenticationEncoding("http://example.com/HelloWorld", Buffer.from("hello world"));
    assert.equal(Buffer.from(pae).toString(), "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  });

  test("counts bytes, not characters", () => {
    const pae = preAuthenticationEncoding("t", Buffer.from("é"));
    assert.equal(Buffer.from(pae).toString(), "DSSEv1 1 t 2 é");
  });
});

describe("DSSE envelopes verify", () => {
  test("an in-toto Statement v1 signed with ECDSA P-256 by the signing helper", async () => {
    const envelope = signDsseEnvelope(statement, inTotoPayloadType, ecPrivatePem);
    const result = await verifyDsseEnvelope(envelope, image, keys);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    const first = result.results[0]!;
    assert.ok(first.ok);
    assert.equal(first.source, "envelope.signatures[0]");
    assert.equal(first.payload.kind, "in-toto-statement");
    assert.equal(first.keyId, envelope.keyId);
  });

  test("an in-toto Statement v0.1 signed with Ed25519, given as the generated grafeas.v1 messages", async () => {
    const plain = edEnvelope(statementJson([{ name: "gcr.io/hightowerlabs/payment", digest: { sha256: digest.slice(7) } }]));
    const envelope = create(EnvelopeSchema, {
      payload: plain.payload,
      payloadType: plain.payloadType,
      signatures: plain.signatures.map((s) => create(EnvelopeSignatureSchema, s)),
    });
    const occurrence = create(DSSEAttestationOccurrenceSchema, { envelope });
    const result = await verifyDsseAttestationOccurrence(occurrence, image, keys);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("a signature without keyid is tried against every trusted key", async () => {
    assert.equal((await verifyDsseEnvelope(edEnvelope(statement, inTotoPayloadType, ""), image, keys)).verified, true);
  });

  test("a simple-signing payload under the cosign payload type", async () => {
    const result = await verifyDsseEnvelope(edEnvelope(simpleSigningPayload(image), simpleSigningPayloadType), image, keys);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("a detached gpg signature over the encoding verifies with the PGP key", async () => {
    const signature = home.sign(gpgFingerprint, ["--detach-sign"], preAuthenticationEncoding(inTotoPayloadType, statement));
    const envelope = { payload: statement, payloadType: inTotoPayloadType, signatures: [{ sig: signature, keyid: gpgFingerprint }] };
    const result = await verifyDsseEnvelope(envelope, image, keys);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    assert.equal(result.results[0]!.format, "pgp-detached");
  });

  test("the DSSE JSON form round-trips", async () => {
    const envelope = envelopeFromJson(envelopeToJson(edEnvelope(statement)));
    assert.equal((await verifyDsseEnvelope(envelope, image, keys)).verified, true);
  });
});

describe("DSSE envelopes that must not verify", () => {
  test("a signature over the bare payload instead of the encoding is SIGNATURE_INVALID", async () => {
    const envelope = { payload: statement, payloadType: inTotoPayloadType, signatures: [{ sig: sign(null, statement, ed.privateKey), keyid: edKeyId }] };
    assert.equal((await verifyDsseEnvelope(envelope, image, keys)).failure?.code, "SIGNATURE_INVALID");
  });

  test("changing the payload type after signing is SIGNATURE_INVALID", async () => {
    const envelope = { ...edEnvelope(statement), payloadType: simpleSigningPayloadType };
    assert.equal((await verifyDsseEnvelope(envelope, image, keys)).failure?.code, "SIGNATURE_INVALID");
  });

  test("an unknown keyid is KEY_UNKNOWN", async () => {
    assert.equal((await verifyDsseEnvelope(edEnvelope(statement, inTotoPayloadType, "ni:///sha-256;unknown"), image, keys)).failure?.code, "KEY_UNKNOWN");
  });

  test("a validly signed payload of another type is PAYLOAD_TYPE_UNSUPPORTED", async () => {
    const result = await verifyDsseEnvelope(edEnvelope(Buffer.from(digest), "text/plain"), image, keys);
    assert.equal(result.failure?.code, "PAYLOAD_TYPE_UNSUPPORTED");
  });

  test("a statement for another digest is DIGEST_MISMATCH", async () => {
    const payload = statementJson([{ name: "gcr.io/hightowerlabs/payment", digest: { sha256: otherDigest.slice(7) } }]);
    assert.equal((await verifyDsseEnvelope(edEnvelope(payload), image, keys)).failure?.code, "DIGEST_MISMATCH");
  });

  test("a statement whose subject names another repository is REPOSITORY_MISMATCH", async () => {
    const payload = statementJson([{ name: "gcr.io/elsewhere/payment", digest: { sha256: digest.slice(7) } }]);
    assert.equal((await verifyDsseEnvelope(edEnvelope(payload), image, keys)).failure?.code, "REPOSITORY_MISMATCH");
  });

  test("a statement without subjects is PAYLOAD_MALFORMED", async () => {
    assert.equal((await verifyDsseEnvelope(edEnvelope(statementJson([])), image, keys)).failure?.code, "PAYLOAD_MALFORMED");
  });

  test("an envelope without signatures, or an occurrence without an envelope, is NO_SIGNATURES", async () => {
    const envelope = { payload: statement, payloadType: inTotoPayloadType, signatures: [] };
    assert.equal((await verifyDsseEnvelope(envelope, image, keys)).failure?.code, "NO_SIGNATURES");
    assert.equal((await verifyDsseAttestationOccurrence({}, image, keys)).failure?.code, "NO_SIGNATURES");
  });
});
