import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Config,
  type KeyID,
  type PrivateKey,
  PacketList,
  SignaturePacket,
  config,
  createMessage,
  enums,
  generateKey,
  readKey,
} from "openpgp";
import { parseImageReference } from "../image/image-reference.js";
import { GpgHome } from "./__fixtures__/gpg-home.js";
import { AttestationError } from "./errors.js";
import { simpleSigningPayload } from "./signing-payloads.js";
import { type TrustedKey, type TrustedPgpKey, createTrustedKeys, parseTrustedKey } from "./trusted-key.js";
import type { AttestationVerification } from "./verification-result.js";
import { verifyAttestationOccurrence, verifyPgpSignedAttestation } from "./verify-attestation.js";

const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
const otherDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
const image = parseImageReference(`gcr.io/hightowerlabs/payment@${digest}`);
const digestText = `${digest}\n`;
const simpleSigning = simpleSigningPayload(image);

let home: GpgHome;
const fpr: Record<string, string> = {};
const pub: Record<string, string> = {};
let trusted: TrustedKey[];
let rsaKey: TrustedPgpKey;

function firstFailure(result: AttestationVerification) {
  assert.equal(result.verified, false);
  return result.failure?.code;
}

function legacy(signature: Buffer | string, pgpKeyId: string, imageUnderReview = image) {
  const text = typeof signature === "string" ? signature : signature.toString("base64");
  return verifyPgpSignedAttestation({ signature: text, pgpKeyId, contentType: "application/vnd.gcr.image.url.v1" }, imageUnderReview, trusted);
}

function v1(payload: Uint8Array | string, signature: Uint8Array, publicKeyId: string, keys = trusted) {
  return verifyAttestationOccurrence(
    { serializedPayload: Buffer.from(payload), signatures: [{ signature, publicKeyId }], jwts: [] },
    image,
    keys,
  );
}

before(async () => {
  home = GpgHome.create();
  fpr["rsa"] = home.generate("rsa-signer@example.com");
  fpr["ed"] = home.generate("ed-signer@example.com", "ed25519", "sign");
  fpr["stranger"] = home.generate("stranger@example.com", "ed25519", "sign");
  fpr["old"] = home.generate("old@example.com", "ed25519", "sign", "1d", "20200101T000000");
  fpr["revoked"] = home.generate("revoked@example.com", "ed25519", "sign");
  fpr["weak"] = home.generate("weak@example.com", "rsa1024", "sign");
  fpr["parent"] = home.generate("parent@example.com", "ed25519", "cert");
  fpr["parentSigning"] = home.addSubkey(fpr["parent"], "ed25519", "sign");
  fpr["oldParent"] = home.generate("old-parent@example.com", "ed25519", "cert", "never", "20200101T000000");
  fpr["oldParentSigning"] = home.addSubkey(fpr["oldParent"], "ed25519", "sign", "1d", "20200101T000000");
  fpr["weakParent"] = home.generate("weak-parent@example.com", "ed25519", "cert");
  fpr["weakParentSigning"] = home.addSubkey(fpr["weakParent"], "rsa1024", "sign");
  for (const name of ["rsa", "ed", "stranger", "old", "weak", "parent", "oldParent", "weakParent"]) {
    pub[name] = home.exportPublic(fpr[name]!);
  }
  trusted = await createTrustedKeys(
    ["rsa", "ed", "old", "parent", "oldParent", "weakParent"].map((name) => ({ kind: "pgp", armoredPublicKey: pub[name]! })),
  );
  rsaKey = trusted[0] as TrustedPgpKey;
});

after(() => home.remove());

describe("PGP signatures made by gpg verify", () => {
  test("a clearsigned digest, uploaded as base64 the way the 2017 tutorial does, verifies for that image", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--clearsign"], digestText);
    const result = await legacy(signature, fpr["rsa"]!.slice(-8));
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    const first = result.results[0]!;
    assert.ok(first.ok);
    assert.equal(first.format, "pgp-cleartext");
    assert.equal(first.keyId, fpr["rsa"]);
    assert.equal(first.payload.kind, "digest-text");
    assert.equal(Buffer.from(first.payload.bytes).toString(), digest);
  });

  test("an ed25519 key from GnuPG 2.2 (legacy EdDSA) verifies a clearsigned digest", async () => {
    const signature = home.sign(fpr["ed"]!, ["--clearsign"], digestText).toString("utf8");
    const result = await legacy(signature, fpr["ed"]!);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("an armored attached signature (gpg --armor --sign) over simple-signing JSON verifies", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--armor", "--sign"], simpleSigning).toString("utf8");
    assert.match(signature, /BEGIN PGP MESSAGE/);
    const result = await legacy(signature, fpr["rsa"]!);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    const first = result.results[0]!;
    assert.ok(first.ok);
    assert.equal(first.format, "pgp-attached");
    assert.equal(first.payload.kind, "simple-signing");
  });

  test("Kritis' attached message under a PGP SIGNATURE armor header verifies", async () => {
    const signature = home
      .sign(fpr["ed"]!, ["--armor", "--sign"], simpleSigning)
      .toString("utf8")
      .replaceAll("PGP MESSAGE", "PGP SIGNATURE");
    const result = await legacy(signature, fpr["ed"]!);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("a binary attached signature (gpg --sign) verifies", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--sign"], simpleSigning);
    const result = await legacy(signature, fpr["rsa"]!);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("a binary detached signature (gpg --detach-sign) over serialized_payload verifies", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--detach-sign"], simpleSigning);
    const result = await v1(simpleSigning, signature, `openpgp4fpr:${fpr["rsa"]}`);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    assert.equal(result.results[0]!.format, "pgp-detached");
  });

  test("an armored detached signature (gpg --armor --detach-sign) over serialized_payload verifies", async () => {
    const signature = home.sign(fpr["ed"]!, ["--armor", "--detach-sign"], simpleSigning);
    const result = await v1(simpleSigning, signature, fpr["ed"]!);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("the key id may be a short id, a long id, a fingerprint or an openpgp4fpr URI, in any case", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--detach-sign"], simpleSigning);
    const full = fpr["rsa"]!;
    for (const id of [full.slice(-8), full.slice(-16), full, `openpgp4fpr:${full}`, `0x${full.slice(-16).toLowerCase()}`]) {
      const result = await v1(simpleSigning, signature, id);
      assert.equal(result.verified, true, `${id}: ${JSON.stringify(result.failure)}`);
      assert.ok(result.results[0]!.ok && result.results[0]!.keyId === full);
    }
  });

  test("a signing subkey verifies under its primary key, and the result names both", async () => {
    const signature = home.sign(fpr["parent"]!, ["--detach-sign"], simpleSigning);
    const result = await v1(simpleSigning, signature, `openpgp4fpr:${fpr["parent"]}`);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    const first = result.results[0]!;
    assert.ok(first.ok);
    assert.equal(first.keyId, fpr["parent"]);
    assert.equal(first.signer, fpr["parentSigning"]);
  });

  test("an attached signature in a v1 occurrence verifies only when it carries exactly serialized_payload", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--armor", "--sign"], simpleSigning);
    assert.equal((await v1(simpleSigning, signature, fpr["rsa"]!)).verified, true);
    const other = simpleSigningPayload(parseImageReference(`gcr.io/hightowerlabs/payment@${otherDigest}`));
    assert.equal(firstFailure(await v1(other, signature, fpr["rsa"]!)), "SIGNATURE_INVALID");
  });

  test("docker-reference nginx binds to docker.io/library/nginx", async () => {
    const payload = JSON.stringify({
      critical: { identity: { "docker-reference": "nginx" }, image: { "docker-manifest-digest": digest }, type: "Atomic container signature" },
    });
    const signature = home.sign(fpr["ed"]!, ["--detach-sign"], payload);
    const result = await verifyAttestationOccurrence(
      { serializedPayload: Buffer.from(payload), signatures: [{ signature, publicKeyId: fpr["ed"]! }] },
      parseImageReference(`docker.io/library/nginx@${digest}`),
      trusted,
    );
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });
});

describe("PGP signatures that must not verify", () => {
  test("a tampered clearsigned text is SIGNATURE_INVALID", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--clearsign"], digestText).toString("utf8").replace(digest, otherDigest);
    assert.equal(firstFailure(await legacy(signature, fpr["rsa"]!)), "SIGNATURE_INVALID");
  });

  test("a detached signature over other bytes is SIGNATURE_INVALID", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--detach-sign"], simpleSigning);
    const tampered = Buffer.from(simpleSigning).toString().replace("atomic", "Atomic");
    assert.equal(firstFailure(await v1(tampered, signature, fpr["rsa"]!)), "SIGNATURE_INVALID");
  });

  test("a signature by an untrusted key is KEY_UNKNOWN even when the key id names a trusted key", async () => {
    const signature = home.sign(fpr["stranger"]!, ["--clearsign"], digestText);
    const result = await legacy(signature, fpr["rsa"]!.slice(-8));
    assert.equal(firstFailure(result), "KEY_UNKNOWN");
    assert.match(result.failure!.detail, new RegExp(fpr["stranger"]!));
  });

  test("a key id that names no trusted key is KEY_UNKNOWN", async () => {
    const signature = home.sign(fpr["stranger"]!, ["--detach-sign"], simpleSigning);
    assert.equal(firstFailure(await v1(simpleSigning, signature, `openpgp4fpr:${fpr["stranger"]}`)), "KEY_UNKNOWN");
  });

  test("a trusted key that shares the signer's short and long id but not its fingerprint does not verify", async () => {
    const signer = fpr["stranger"]!;
    const lookalike: TrustedPgpKey = {
      ...rsaKey,
      id: `0000000000000000000000${signer.slice(-18)}`,
      fingerprint: `0000000000000000000000${signer.slice(-18)}`,
      keyFingerprints: [`0000000000000000000000${signer.slice(-18)}`],
    };
    const signature = home.sign(signer, ["--detach-sign"], simpleSigning);
    for (const hint of [signer.slice(-8), signer.slice(-16)]) {
      const result = await v1(simpleSigning, signature, hint, [lookalike]);
      assert.equal(firstFailure(result), "KEY_UNKNOWN", hint);
    }
  });

  test("a key that has expired is KEY_EXPIRED, although it was valid when it signed", async () => {
    const signature = home.sign(fpr["old"]!, ["--clearsign"], digestText, "20200101T010000");
    const result = await legacy(signature, fpr["old"]!);
    assert.equal(firstFailure(result), "KEY_EXPIRED");
  });

  test("keys are judged at the verification time given, so a key past its expiry then is KEY_EXPIRED", async () => {
    const yearly = home.generate("yearly@example.com", "ed25519", "sign", "1y");
    const key = await parseTrustedKey({ kind: "pgp", armoredPublicKey: home.exportPublic(yearly) });
    const signature = home.sign(yearly, ["--clearsign"], digestText).toString("base64");
    const attestation = { signature, pgpKeyId: yearly };
    assert.equal((await verifyPgpSignedAttestation(attestation, image, [key])).verified, true);
    const later = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000);
    assert.equal(firstFailure(await verifyPgpSignedAttestation(attestation, image, [key], { now: later })), "KEY_EXPIRED");
  });

  test("a signing subkey that has expired is KEY_EXPIRED", async () => {
    const signature = home.sign(`${fpr["oldParentSigning"]}!`, ["--detach-sign"], simpleSigning, "20200101T010000");
    const result = await v1(simpleSigning, signature, fpr["oldParent"]!);
    assert.equal(firstFailure(result), "KEY_EXPIRED");
    assert.match(result.failure!.detail, /subkey/);
  });

  test("a revoked key is KEY_REVOKED", async () => {
    const signature = home.sign(fpr["revoked"]!, ["--clearsign"], digestText);
    home.revoke(fpr["revoked"]!);
    const revokedKey = await parseTrustedKey({ kind: "pgp", armoredPublicKey: home.exportPublic(fpr["revoked"]!) });
    const result = await verifyPgpSignedAttestation({ signature: signature.toString("base64"), pgpKeyId: fpr["revoked"]! }, image, [revokedKey]);
    assert.equal(firstFailure(result), "KEY_REVOKED");
  });

  test("a SHA-1 signature is ALGORITHM_NOT_ALLOWED", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--digest-algo", "SHA1", "--clearsign"], digestText);
    assert.match(signature.toString(), /Hash: SHA1/);
    const result = await legacy(signature, fpr["rsa"]!);
    assert.equal(firstFailure(result), "ALGORITHM_NOT_ALLOWED");
    assert.match(result.failure!.detail, /SHA-1/);
  });

  test("an RSA-1024 key is refused as KEY_TOO_WEAK when the trusted keys are loaded", async () => {
    await assert.rejects(
      createTrustedKeys([{ kind: "pgp", armoredPublicKey: pub["weak"]! }]),
      (error: unknown) => error instanceof AttestationError && error.reason === "KEY_TOO_WEAK",
    );
  });

  test("a signature by an RSA-1024 signing subkey is KEY_TOO_WEAK", async () => {
    const signature = home.sign(`${fpr["weakParentSigning"]}!`, ["--detach-sign"], simpleSigning);
    assert.equal(firstFailure(await v1(simpleSigning, signature, fpr["weakParent"]!)), "KEY_TOO_WEAK");
  });

  test("a valid signature over another digest is DIGEST_MISMATCH and says which digests", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--clearsign"], `${otherDigest}\n`);
    const result = await legacy(signature, fpr["rsa"]!);
    assert.equal(firstFailure(result), "DIGEST_MISMATCH");
    assert.match(result.failure!.detail, new RegExp(`${otherDigest}.*${digest}`));
  });

  test("a valid signature over another repository is REPOSITORY_MISMATCH and says which", async () => {
    const payload = simpleSigningPayload(parseImageReference(`gcr.io/elsewhere/payment@${digest}`));
    const signature = home.sign(fpr["rsa"]!, ["--detach-sign"], payload);
    const result = await v1(payload, signature, fpr["rsa"]!);
    assert.equal(firstFailure(result), "REPOSITORY_MISMATCH");
    assert.match(result.failure!.detail, /gcr\.io\/elsewhere\/payment.*gcr\.io\/hightowerlabs\/payment/);
  });

  test("a signed simple-signing payload without its digest is PAYLOAD_MALFORMED", async () => {
    const payload = JSON.stringify({ critical: { identity: { "docker-reference": "gcr.io/hightowerlabs/payment" }, image: {}, type: "atomic container signature" } });
    const signature = home.sign(fpr["rsa"]!, ["--detach-sign"], payload);
    assert.equal(firstFailure(await v1(payload, signature, fpr["rsa"]!)), "PAYLOAD_MALFORMED");
  });

  test("signed text that names no image is PAYLOAD_TYPE_UNSUPPORTED", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--clearsign"], "approved by QA\n");
    assert.equal(firstFailure(await legacy(signature, fpr["rsa"]!)), "PAYLOAD_TYPE_UNSUPPORTED");
  });

  test("a detached signature with no payload to cover is SIGNATURE_MALFORMED", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--armor", "--detach-sign"], digestText);
    assert.equal(firstFailure(await legacy(signature, fpr["rsa"]!)), "SIGNATURE_MALFORMED");
  });

  test("bytes that are no PGP data are SIGNATURE_MALFORMED", async () => {
    assert.equal(firstFailure(await legacy("bm90IGEgc2lnbmF0dXJl", fpr["rsa"]!)), "SIGNATURE_MALFORMED");
  });

  test("a v1 signature without serialized_payload is PAYLOAD_MALFORMED, since attached payloads are not trusted", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--armor", "--sign"], simpleSigning);
    assert.equal(firstFailure(await v1("", signature, fpr["rsa"]!)), "PAYLOAD_MALFORMED");
  });

  test("an image referenced by tag only is IMAGE_NOT_PINNED", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--clearsign"], digestText);
    const result = await legacy(signature, fpr["rsa"]!, parseImageReference("gcr.io/hightowerlabs/payment:1.0"));
    assert.equal(firstFailure(result), "IMAGE_NOT_PINNED");
  });

  test("an occurrence with no signatures and no JWTs is NO_SIGNATURES", async () => {
    const result = await verifyAttestationOccurrence({ serializedPayload: simpleSigning, signatures: [], jwts: [] }, image, trusted);
    assert.equal(firstFailure(result), "NO_SIGNATURES");
  });
});

describe("PGP trusted keys", () => {
  test("base64 of the armored key, as Kritis stores it, is read like the armored key", async () => {
    const key = await parseTrustedKey({ kind: "pgp", armoredPublicKey: Buffer.from(pub["rsa"]!).toString("base64") });
    assert.equal(key.id, fpr["rsa"]);
  });

  test("a configured id that names another key is KEY_MALFORMED", async () => {
    await assert.rejects(
      parseTrustedKey({ kind: "pgp", armoredPublicKey: pub["rsa"]!, id: fpr["ed"]! }),
      (error: unknown) => error instanceof AttestationError && error.reason === "KEY_MALFORMED",
    );
  });

  test("a private key is refused as trust material", async () => {
    const secret = home.run(["--armor", "--export-secret-keys", fpr["stranger"]!]).toString("utf8");
    await assert.rejects(
      parseTrustedKey({ kind: "pgp", armoredPublicKey: secret }),
      (error: unknown) => error instanceof AttestationError && error.reason === "KEY_MALFORMED",
    );
  });
});

/** Rewrites the unhashed issuer key id subpacket (type 16) of a gpg-made v4 signature packet, which nothing signs. */
function withUnhashedIssuer(signature: Buffer, keyId: string): Buffer {
  const copy = Buffer.from(signature);
  assert.equal(copy[0], 0x88, "an old-format signature packet with a one-byte length, as gpg writes it");
  const hashedLength = copy.readUInt16BE(6);
  const unhashedStart = 8 + hashedLength + 2;
  const unhashedEnd = unhashedStart + copy.readUInt16BE(8 + hashedLength);
  for (let at = unhashedStart; at < unhashedEnd; at += 1 + copy[at]!) {
    if (copy[at + 1] === 16) {
      Buffer.from(keyId, "hex").copy(copy, at + 2);
      return copy;
    }
  }
  throw new Error("no unhashed issuer subpacket");
}

/** A detached signature made with openpgp.js that names its issuer by the given key id only, without a fingerprint. */
async function keyIdOnlySignature(signingKey: PrivateKey, claimedKeyId: KeyID, payload: Uint8Array): Promise<Uint8Array> {
  const packet = new SignaturePacket();
  packet.signatureType = enums.signature.binary;
  packet.hashAlgorithm = enums.hash.sha256;
  packet.publicKeyAlgorithm = signingKey.keyPacket.algorithm;
  // sign() fills in the signing key's fingerprint and key id; keep ours instead.
  Object.defineProperty(packet, "issuerFingerprint", { get: () => null, set: () => undefined });
  Object.defineProperty(packet, "issuerKeyID", { get: () => claimedKeyId, set: () => undefined });
  const literal = (await createMessage({ binary: payload })).packets[0]!;
  const sign = packet.sign.bind(packet) as (key: unknown, data: unknown, date: Date, detached: boolean, options: Config) => Promise<void>;
  await sign(signingKey.keyPacket, literal, new Date(), true, config);
  const list = new PacketList<SignaturePacket>();
  list.push(packet);
  return list.write();
}

describe("detached PGP signatures, checked packet by packet", () => {
  test("a text-mode detached signature (gpg --textmode --detach-sign) verifies over serialized_payload", async () => {
    const signature = home.sign(fpr["rsa"]!, ["--textmode", "--detach-sign"], simpleSigning);
    const result = await v1(simpleSigning, signature, fpr["rsa"]!);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("an armored detached signature after a line of non-ASCII text is still read", async () => {
    const armored = home.sign(fpr["ed"]!, ["--armor", "--detach-sign"], simpleSigning).toString("utf8");
    const signature = Buffer.from(`¶ signed by QA\n${armored}`);
    const result = await v1(simpleSigning, signature, fpr["ed"]!);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("two detached signatures in one container verify when both do", async () => {
    const first = home.sign(fpr["rsa"]!, ["--detach-sign"], simpleSigning);
    const second = home.sign(fpr["rsa"]!, ["--digest-algo", "SHA512", "--detach-sign"], simpleSigning);
    const result = await v1(simpleSigning, Buffer.concat([first, second]), fpr["rsa"]!);
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("two detached signatures in one container are SIGNATURE_INVALID when one covers other bytes", async () => {
    const good = home.sign(fpr["rsa"]!, ["--detach-sign"], simpleSigning);
    const other = home.sign(fpr["rsa"]!, ["--detach-sign"], Buffer.from(simpleSigning).toString().replace("atomic", "Atomic"));
    for (const container of [Buffer.concat([good, other]), Buffer.concat([other, good])]) {
      assert.equal(firstFailure(await v1(simpleSigning, container, fpr["rsa"]!)), "SIGNATURE_INVALID");
    }
  });

  test("a signature whose unsigned issuer key id was rewritten to name a trusted key is KEY_UNKNOWN", async () => {
    const trustedKeyId = fpr["rsa"]!.slice(-16);
    const signature = withUnhashedIssuer(home.sign(fpr["stranger"]!, ["--detach-sign"], simpleSigning), trustedKeyId);
    for (const hint of [trustedKeyId.slice(-8), trustedKeyId, fpr["rsa"]!]) {
      const result = await v1(simpleSigning, signature, hint);
      assert.equal(firstFailure(result), "KEY_UNKNOWN", hint);
      assert.match(result.failure!.detail, new RegExp(fpr["stranger"]!));
    }
  });

  test("a signature made before its key existed is SIGNATURE_INVALID", async () => {
    const signature = home.sign(fpr["ed"]!, ["--ignore-time-conflict", "--detach-sign"], simpleSigning, "20200101T000000");
    const result = await v1(simpleSigning, signature, fpr["ed"]!);
    assert.equal(firstFailure(result), "SIGNATURE_INVALID");
    assert.match(result.failure!.detail, /newer than the signature/);
  });

  test("a key's self-certification passed off as a detached signature is SIGNATURE_INVALID", async () => {
    const key = await readKey({ armoredKey: pub["ed"]! });
    const list = new PacketList<SignaturePacket>();
    list.push(key.users[0]!.selfCertifications[0]!);
    const result = await v1(simpleSigning, list.write(), fpr["ed"]!);
    assert.equal(firstFailure(result), "SIGNATURE_INVALID");
  });

  test("a detached signature is judged at the verification time given, the same key one second and the next", async () => {
    const yearly = home.generate("yearly-detached@example.com", "ed25519", "sign", "1y");
    const key = await parseTrustedKey({ kind: "pgp", armoredPublicKey: home.exportPublic(yearly) });
    const signature = home.sign(yearly, ["--detach-sign"], simpleSigning);
    const occurrence = { serializedPayload: simpleSigning, signatures: [{ signature, publicKeyId: yearly }] };
    const later = new Date(Date.now() + 2 * 365 * 24 * 3600 * 1000);
    assert.equal((await verifyAttestationOccurrence(occurrence, image, [key])).verified, true);
    assert.equal(firstFailure(await verifyAttestationOccurrence(occurrence, image, [key], { now: later })), "KEY_EXPIRED");
    assert.equal((await verifyAttestationOccurrence(occurrence, image, [key])).verified, true);
  });

  describe("signatures that name their issuer by key id only", () => {
    let signer: PrivateKey;
    let signerKeys: TrustedKey[];

    before(async () => {
      const generated = await generateKey({ type: "ecc", userIDs: [{ email: "key-id-only@example.com" }], format: "object" });
      signer = generated.privateKey;
      signerKeys = await createTrustedKeys([{ kind: "pgp", armoredPublicKey: generated.publicKey.armor() }]);
    });

    test("one made by the trusted key with that id verifies", async () => {
      const signature = await keyIdOnlySignature(signer, signer.getKeyID(), simpleSigning);
      const result = await v1(simpleSigning, signature, signer.getKeyID().toHex(), signerKeys);
      assert.equal(result.verified, true, JSON.stringify(result.failure));
    });

    test("one made by another key that claims the trusted key's id is SIGNATURE_INVALID", async () => {
      const other = (await generateKey({ type: "ecc", userIDs: [{ email: "impostor@example.com" }], format: "object" })).privateKey;
      const signature = await keyIdOnlySignature(other, signer.getKeyID(), simpleSigning);
      const hint = signer.getKeyID().toHex();
      for (const id of [hint.slice(-8), hint]) {
        assert.equal(firstFailure(await v1(simpleSigning, signature, id, signerKeys)), "SIGNATURE_INVALID", id);
      }
    });
  });
});
