import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseImageReference } from "../image/image-reference.js";
import { GpgHome } from "./__fixtures__/gpg-home.js";
import { AttestationError } from "./errors.js";
import { gpgSecretKeyFingerprint, gpgSign } from "./gpg-signer.js";
import { digestTextPayload, simpleSigningPayload } from "./signing-payloads.js";
import { type TrustedKey, createTrustedKeys } from "./trusted-key.js";
import { verifyAttestationOccurrence, verifyPgpSignedAttestation } from "./verify-attestation.js";

const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
const image = parseImageReference(`gcr.io/hightowerlabs/payment@${digest}`);
const payload = simpleSigningPayload(image);

let home: GpgHome;
let fingerprint: string;
let keys: TrustedKey[];
let expiredFingerprint: string;

function isReason(reason: string) {
  return (error: unknown) => error instanceof AttestationError && error.reason === reason;
}

before(async () => {
  home = GpgHome.create();
  fingerprint = home.generate("qa_bob@example.com");
  home.generate("qa_alice@example.com", "ed25519", "sign");
  expiredFingerprint = home.generate("qa_gone@example.org", "ed25519", "sign", "1d", "20200101T000000");
  keys = await createTrustedKeys([{ kind: "pgp", armoredPublicKey: home.exportPublic(fingerprint) }]);
});

after(() => home.remove());

describe("signing with gpg", () => {
  test("a clearsigned digest verifies as the tutorial's pgpSignedAttestation", async () => {
    const signed = await gpgSign(digestTextPayload(image), { key: "qa_bob@example.com", mode: "clearsign", homedir: home.dir });
    assert.equal(signed.fingerprint, fingerprint);
    assert.match(Buffer.from(signed.output).toString(), /BEGIN PGP SIGNED MESSAGE/);
    const result = await verifyPgpSignedAttestation(
      { signature: Buffer.from(signed.output).toString("base64"), pgpKeyId: signed.fingerprint },
      image,
      keys,
    );
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("armored and binary attached signatures verify", async () => {
    for (const armor of [true, false]) {
      const signed = await gpgSign(payload, { key: fingerprint, mode: "attached", armor, homedir: home.dir });
      const signature = armor ? Buffer.from(signed.output).toString() : Buffer.from(signed.output).toString("base64");
      const result = await verifyPgpSignedAttestation({ signature, pgpKeyId: signed.fingerprint }, image, keys);
      assert.equal(result.verified, true, `armor ${armor}: ${JSON.stringify(result.failure)}`);
    }
  });

  test("armored and binary detached signatures verify in a v1 occurrence under openpgp4fpr:", async () => {
    for (const armor of [true, false]) {
      const signed = await gpgSign(payload, { key: fingerprint, mode: "detached", armor, homedir: home.dir });
      assert.equal(signed.publicKeyId, `openpgp4fpr:${fingerprint}`);
      const result = await verifyAttestationOccurrence(
        { serializedPayload: payload, signatures: [{ signature: signed.output, publicKeyId: signed.publicKeyId }] },
        image,
        keys,
      );
      assert.equal(result.verified, true, `armor ${armor}: ${JSON.stringify(result.failure)}`);
    }
  });

  test("GNUPGHOME is respected when no home directory is given", async () => {
    const saved = process.env["GNUPGHOME"];
    process.env["GNUPGHOME"] = home.dir;
    try {
      assert.equal(await gpgSecretKeyFingerprint("qa_bob@example.com"), fingerprint);
    } finally {
      if (saved === undefined) delete process.env["GNUPGHOME"];
      else process.env["GNUPGHOME"] = saved;
    }
  });

  test("an unknown key is SIGNING_KEY_UNKNOWN", async () => {
    await assert.rejects(gpgSign(payload, { key: "nobody@example.com", mode: "detached", homedir: home.dir }), isReason("SIGNING_KEY_UNKNOWN"));
  });

  test("a key specifier that names two keys is SIGNING_KEY_UNKNOWN", async () => {
    await assert.rejects(gpgSign(payload, { key: "example.com", mode: "detached", homedir: home.dir }), isReason("SIGNING_KEY_UNKNOWN"));
  });

  test("a secret key gpg refuses to use (it expired) is SIGNING_FAILED", async () => {
    await assert.rejects(
      gpgSign(payload, { key: expiredFingerprint, mode: "clearsign", homedir: home.dir }),
      isReason("SIGNING_FAILED"),
    );
  });

  test("a missing gpg binary is GPG_UNAVAILABLE", async () => {
    await assert.rejects(
      gpgSign(payload, { key: fingerprint, mode: "detached", homedir: home.dir, gpgPath: "/nonexistent/gpg" }),
      isReason("GPG_UNAVAILABLE"),
    );
  });
});
