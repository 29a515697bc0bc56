import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { parseImageReference } from "../image/image-reference.js";
import { inTotoPayloadType } from "./dsse.js";
import { signDsseEnvelope, signWithPrivateKey } from "./pkix-signer.js";
import { inTotoStatementPayload, simpleSigningPayload } from "./signing-payloads.js";
import { parseTrustedKey } from "./trusted-key.js";
import { isAttestationOccurrence, verifyOccurrenceAttestation } from "./verify-occurrence.js";

const digest = `sha256:${"a".repeat(64)}`;
const otherDigest = `sha256:${"b".repeat(64)}`;
const image = parseImageReference(`gcr.io/acme/app@${digest}`);
const otherImage = parseImageReference(`gcr.io/acme/app@${otherDigest}`);
const resourceUri = `https://gcr.io/acme/app@${digest}`;
const noteName = "projects/authority/notes/qa";

const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
const privatePem = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const publicPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const keys = async () => [await parseTrustedKey({ kind: "pkix", publicKeyPem: publicPem })];

const statementFor = (reference: typeof image) => inTotoStatementPayload(reference, { predicateType: "https://example.com/approved/v1" });

function envelopeFor(reference: typeof image, signingKey = privatePem) {
  const { payload, payloadType, signatures } = signDsseEnvelope(statementFor(reference), inTotoPayloadType, signingKey);
  return { payload, payloadType, signatures: [...signatures] };
}

describe("verifyOccurrenceAttestation", () => {
  test("an ATTESTATION occurrence whose signature travels in Occurrence.envelope verifies", async () => {
    const envelope = envelopeFor(image);
    const occurrence = create(OccurrenceSchema, {
      resourceUri,
      noteName,
      details: { case: "attestation", value: { serializedPayload: envelope.payload } },
      envelope,
    });
    const result = await verifyOccurrenceAttestation(occurrence, image, await keys());
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    assert.deepEqual(result.results.map((r) => r.source), ["envelope.signatures[0]"]);
  });

  test("serializedPayload beside an envelope is not trusted: the envelope's own payload must name the image", async () => {
    const occurrence = create(OccurrenceSchema, {
      resourceUri,
      noteName,
      details: { case: "attestation", value: { serializedPayload: statementFor(image) } },
      envelope: envelopeFor(otherImage),
    });
    const result = await verifyOccurrenceAttestation(occurrence, image, await keys());
    assert.equal(result.verified, false);
    assert.equal(result.failure?.code, "DIGEST_MISMATCH");
  });

  test("signatures in the attestation and in the envelope are all reported, and one good one is enough", async () => {
    const payload = simpleSigningPayload(image);
    const foreign = signWithPrivateKey(stranger, payload);
    const occurrence = create(OccurrenceSchema, {
      resourceUri,
      noteName,
      details: { case: "attestation", value: { serializedPayload: payload, signatures: [{ signature: foreign.signature, publicKeyId: foreign.keyId }] } },
      envelope: envelopeFor(image),
    });
    const result = await verifyOccurrenceAttestation(occurrence, image, await keys());
    assert.equal(result.verified, true);
    assert.deepEqual(
      result.results.map((r) => [r.source, r.ok ? "ok" : r.failure.code]),
      [["signatures[0]", "KEY_UNKNOWN"], ["envelope.signatures[0]", "ok"]],
    );
  });

  test("a DSSE_ATTESTATION occurrence verifies through its envelope", async () => {
    const occurrence = create(OccurrenceSchema, {
      resourceUri,
      noteName,
      details: { case: "dsseAttestation", value: { envelope: envelopeFor(image) } },
    });
    assert.equal((await verifyOccurrenceAttestation(occurrence, image, await keys())).verified, true);
  });

  test("an attestation with neither signatures nor an envelope is NO_SIGNATURES", async () => {
    const occurrence = create(OccurrenceSchema, {
      resourceUri,
      noteName,
      details: { case: "attestation", value: { serializedPayload: simpleSigningPayload(image) } },
    });
    const result = await verifyOccurrenceAttestation(occurrence, image, await keys());
    assert.equal(result.verified, false);
    assert.equal(result.failure?.code, "NO_SIGNATURES");
  });

  test("an occurrence of another kind is not an attestation and never verifies", async () => {
    const occurrence = create(OccurrenceSchema, {
      resourceUri,
      noteName,
      details: { case: "vulnerability", value: {} },
      envelope: envelopeFor(image),
    });
    assert.equal(isAttestationOccurrence(occurrence), false);
    const result = await verifyOccurrenceAttestation(occurrence, image, await keys());
    assert.equal(result.verified, false);
    assert.equal(result.failure?.code, "NO_SIGNATURES");
  });
});
