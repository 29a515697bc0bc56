import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseImageReference } from "../image/image-reference.js";
import { GpgHome } from "./__fixtures__/gpg-home.js";
import { AttestationError } from "./errors.js";
import { isPublicHalfOf, readPgpSigningKey, signWithPgpKey } from "./pgp-signer.js";
import { simpleSigningPayload } from "./signing-payloads.js";
import { createTrustedKeys } from "./trusted-key.js";
import { verifyAttestationOccurrence } from "./verify-attestation.js";

const image = parseImageReference(`gcr.io/acme/web@sha256:${"ab".repeat(32)}`);
const payload = simpleSigningPayload(image);

let home: GpgHome;
const fpr: Record<string, string> = {};

before(() => {
  // Real gpg makes the keys, in a throw-away home; openpgp.js must read what gpg exports.
  home = GpgHome.create();
  fpr["rsa"] = home.generate("rsa-attestor@example.com");
  fpr["ed"] = home.generate("ed-attestor@example.com", "ed25519", "sign");
  fpr["locked"] = home.generateProtected("locked-attestor@example.com", "correct horse");
  fpr["parent"] = home.generate("parent-attestor@example.com", "ed25519", "cert");
  fpr["parentSigning"] = home.addSubkey(fpr["parent"], "ed25519", "sign");
});
after(() => home.remove());

async function verifies(signature: Uint8Array, publicKeyId: string, name: string) {
  const keys = await createTrustedKeys([{ kind: "pgp", armoredPublicKey: home.exportPublic(fpr[name]!) }]);
  return verifyAttestationOccurrence({ serializedPayload: payload, signatures: [{ signature, publicKeyId }], jwts: [] }, image, keys);
}

describe("signing with an armored PGP private key in process", () => {
  for (const name of ["rsa", "ed"]) {
    test(`a ${name} key exported by gpg signs an attestation that Scriba's PGP verifier accepts`, async () => {
      const key = await readPgpSigningKey(home.exportSecret(fpr[name]!));
      assert.equal(key.fingerprint, fpr[name]);
      assert.equal(key.publicKeyId, `openpgp4fpr:${fpr[name]}`);
      const signed = await signWithPgpKey(key, payload);
      assert.match(Buffer.from(signed.signature).toString("utf8"), /^-----BEGIN PGP MESSAGE-----/);
      const result = await verifies(signed.signature, signed.publicKeyId, name);
      assert.equal(result.verified, true, JSON.stringify(result.failure));
    });
  }

  test("a passphrase-protected key is decrypted with its passphrase and signs", async () => {
    const key = await readPgpSigningKey(home.exportSecret(fpr["locked"]!, "correct horse"), "correct horse");
    const signed = await signWithPgpKey(key, payload);
    assert.equal((await verifies(signed.signature, signed.publicKeyId, "locked")).verified, true);
  });

  test("a protected key without its passphrase is refused without echoing anything secret", async () => {
    const armored = home.exportSecret(fpr["locked"]!, "correct horse");
    await assert.rejects(readPgpSigningKey(armored), (error: unknown) => {
      assert.ok(error instanceof AttestationError);
      assert.equal(error.reason, "SIGNING_KEY_UNKNOWN");
      assert.match(error.detail, /protected by a passphrase, and none was given/);
      return true;
    });
  });

  test("a wrong passphrase is refused without quoting it", async () => {
    const armored = home.exportSecret(fpr["locked"]!, "correct horse");
    await assert.rejects(readPgpSigningKey(armored, "battery staple"), (error: unknown) => {
      assert.ok(error instanceof AttestationError);
      assert.match(error.detail, /cannot be decrypted with the passphrase given/);
      assert.ok(!error.message.includes("battery staple"));
      return true;
    });
  });

  test("text that is not an armored private key is refused", async () => {
    await assert.rejects(readPgpSigningKey(home.exportPublic(fpr["rsa"]!)), /cannot be read/);
  });

  test("a key whose primary only certifies reports the signing subkey it signs with", async () => {
    const key = await readPgpSigningKey(home.exportSecret(fpr["parent"]!));
    assert.equal(key.fingerprint, fpr["parent"]);
    assert.equal(key.signingFingerprint, fpr["parentSigning"]);
    const signed = await signWithPgpKey(key, payload);
    assert.equal((await verifies(signed.signature, signed.publicKeyId, "parent")).verified, true);
  });

  test("the public half is recognised, and another key's public key is not", async () => {
    const key = await readPgpSigningKey(home.exportSecret(fpr["rsa"]!));
    assert.equal(await isPublicHalfOf(home.exportPublic(fpr["rsa"]!), key), true);
    assert.equal(await isPublicHalfOf(home.exportPublic(fpr["ed"]!), key), false);
    assert.equal(await isPublicHalfOf("not a key", key), false);
  });
});
