import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { type PublicKey, generateKey, readKey, revokeKey } from "openpgp";
import { pgpKeyProblemNow, pgpSigningKey, pgpSigningKeyProblemAt } from "./pgp-key-validity.js";

const created = new Date("2024-01-01T00:00:00Z");
const hour = 3600;
const at = (seconds: number) => new Date(created.getTime() + seconds * 1000);

let hourly: PublicKey;
let parent: PublicKey;
let revoked: PublicKey;
const fingerprintOf = (key: { getFingerprint(): string }) => key.getFingerprint().toUpperCase();

before(async () => {
  hourly = (
    await generateKey({ type: "ecc", userIDs: [{ email: "hourly@example.com" }], date: created, keyExpirationTime: hour, format: "object" })
  ).publicKey;
  parent = (
    await generateKey({
      type: "ecc",
      userIDs: [{ email: "parent@example.com" }],
      date: created,
      subkeys: [{ sign: true, keyExpirationTime: 60 }],
      format: "object",
    })
  ).publicKey;
  const toRevoke = await generateKey({ type: "ecc", userIDs: [{ email: "revoked@example.com" }], date: created, format: "object" });
  revoked = await readKey({ armoredKey: (await revokeKey({ key: toRevoke.privateKey, date: at(10), format: "armored" })).publicKey });
});

describe("a key judged now", () => {
  test("is valid in the last second before its expiry and expired from the second it expires, in either order", async () => {
    const fingerprint = fingerprintOf(hourly);
    assert.equal(await pgpKeyProblemNow(hourly, fingerprint, at(hour - 0.001)), undefined);
    assert.equal((await pgpKeyProblemNow(hourly, fingerprint, at(hour)))?.code, "KEY_EXPIRED");
    assert.equal(await pgpKeyProblemNow(hourly, fingerprint, at(hour - 1)), undefined);
    assert.equal((await pgpKeyProblemNow(hourly, fingerprint, at(hour + 0.999)))?.code, "KEY_EXPIRED");
  });

  test("is not valid before the second it was created", async () => {
    const fingerprint = fingerprintOf(hourly);
    assert.equal((await pgpKeyProblemNow(hourly, fingerprint, at(-0.001)))?.code, "KEY_EXPIRED");
    assert.equal(await pgpKeyProblemNow(hourly, fingerprint, at(0)), undefined);
  });

  test("is KEY_UNKNOWN for a fingerprint that is neither the key's nor a subkey's", async () => {
    assert.equal((await pgpKeyProblemNow(hourly, fingerprintOf(parent), at(1)))?.code, "KEY_UNKNOWN");
  });

  test("a signing subkey is judged by its own expiry, its primary key by its own", async () => {
    const subkey = fingerprintOf(parent.subkeys[0]!);
    assert.equal(await pgpKeyProblemNow(parent, subkey, at(59)), undefined);
    const expired = await pgpKeyProblemNow(parent, subkey, at(60));
    assert.equal(expired?.code, "KEY_EXPIRED");
    assert.match(expired.detail, /subkey/);
    assert.equal(await pgpKeyProblemNow(parent, fingerprintOf(parent), at(60)), undefined);
  });

  test("a revoked key is KEY_REVOKED", async () => {
    assert.equal((await pgpKeyProblemNow(revoked, fingerprintOf(revoked), at(20)))?.code, "KEY_REVOKED");
  });
});

describe("a key judged when it signed", () => {
  test("could not sign before the second it was created, and could from then on", async () => {
    const fingerprint = fingerprintOf(hourly);
    assert.match((await pgpSigningKeyProblemAt(hourly, fingerprint, at(-1))) ?? "", /newer than the signature/);
    assert.equal(await pgpSigningKeyProblemAt(hourly, fingerprint, at(0)), undefined);
    assert.equal(await pgpSigningKeyProblemAt(hourly, fingerprint, at(0.5)), undefined);
  });

  test("could not sign once it had expired, and the answer for an earlier signature stays its own", async () => {
    const fingerprint = fingerprintOf(hourly);
    assert.notEqual(await pgpSigningKeyProblemAt(hourly, fingerprint, at(hour)), undefined);
    assert.equal(await pgpSigningKeyProblemAt(hourly, fingerprint, at(hour - 1)), undefined);
  });

  test("a signing subkey could sign while bound and unexpired", async () => {
    const subkey = fingerprintOf(parent.subkeys[0]!);
    assert.equal(await pgpSigningKeyProblemAt(parent, subkey, at(30)), undefined);
    assert.notEqual(await pgpSigningKeyProblemAt(parent, subkey, at(90)), undefined);
  });
});

describe("the (sub)keys of a trusted key", () => {
  test("are found by fingerprint, each with its own key packet", () => {
    const primary = pgpSigningKey(parent, fingerprintOf(parent));
    const subkey = pgpSigningKey(parent, fingerprintOf(parent.subkeys[0]!));
    assert.equal(primary?.keyPacket, parent.keyPacket);
    assert.equal(primary?.subkey, undefined);
    assert.equal(subkey?.keyPacket, parent.subkeys[0]!.keyPacket);
    assert.equal(pgpSigningKey(parent, fingerprintOf(hourly)), undefined);
  });
});
