import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { parseImageReference } from "../image/image-reference.js";
import { OpensslDir } from "./__fixtures__/openssl.js";
import { AttestationError } from "./errors.js";
import { simpleSigningPayload } from "./signing-payloads.js";
import { type TrustedKey, type TrustedPkixKey, parseTrustedKey } from "./trusted-key.js";
import { verifyAttestationOccurrence } from "./verify-attestation.js";

const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
const image = parseImageReference(`gcr.io/hightowerlabs/payment@${digest}`);
const payload = simpleSigningPayload(image, { type: "cosign container image signature" });

let openssl: OpensslDir;
const pems: Record<string, { privatePem: string; publicPem: string }> = {};

async function pkix(name: string, signatureAlgorithm?: string, id?: string): Promise<TrustedPkixKey> {
  return (await parseTrustedKey({ kind: "pkix", publicKeyPem: pems[name]!.publicPem, signatureAlgorithm, id })) as TrustedPkixKey;
}

function occurrence(signature: Uint8Array, publicKeyId: string, serializedPayload: Uint8Array = payload) {
  return { serializedPayload, signatures: [{ signature, publicKeyId }] };
}

async function verifies(key: TrustedKey, signature: Uint8Array, serializedPayload: Uint8Array = payload) {
  return verifyAttestationOccurrence(occurrence(signature, key.id, serializedPayload), image, [key]);
}

function rejectsWith(reason: string) {
  return (error: unknown) => error instanceof AttestationError && error.reason === reason;
}

before(() => {
  openssl = OpensslDir.create();
  pems["p256"] = openssl.generate("p256", "EC", ["ec_paramgen_curve:P-256"]);
  pems["p256b"] = openssl.generate("p256b", "EC", ["ec_paramgen_curve:P-256"]);
  pems["p384"] = openssl.generate("p384", "EC", ["ec_paramgen_curve:P-384"]);
  pems["rsa"] = openssl.generate("rsa", "RSA", ["rsa_keygen_bits:2048"]);
  pems["rsa1024"] = openssl.generate("rsa1024", "RSA", ["rsa_keygen_bits:1024"]);
  pems["ed25519"] = openssl.generate("ed25519", "ED25519");
  pems["ed448"] = openssl.generate("ed448", "ED448");
  pems["k256"] = openssl.generate("k256", "EC", ["ec_paramgen_curve:secp256k1"]);
});

after(() => openssl.remove());

describe("PKIX key ids", () => {
  test("the derived ni:/// id equals openssl's SHA-256 of the DER SPKI, for EC, RSA and Ed25519 keys", async () => {
    for (const name of ["p256", "rsa", "ed25519"]) {
      const key = await pkix(name);
      assert.equal(key.id, openssl.niId(name), name);
      assert.equal(key.derivedId, key.id);
    }
  });

  test("a configured id is used as given, and the derived id still finds the key", async () => {
    const key = await pkix("p256", undefined, "//cloudkms.googleapis.com/v1/projects/p/keys/k/cryptoKeyVersions/1");
    const signature = openssl.sign("p256", "sha256", payload);
    assert.equal((await verifies(key, signature)).verified, true);
    const byDerived = await verifyAttestationOccurrence(occurrence(signature, key.derivedId), image, [key]);
    assert.equal(byDerived.verified, true);
  });
});

describe("PKIX signatures verify", () => {
  test("ECDSA P-256 with an ASN.1 DER signature from openssl", async () => {
    const result = await verifies(await pkix("p256"), openssl.sign("p256", "sha256", payload));
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    const first = result.results[0]!;
    assert.ok(first.ok);
    assert.equal(first.format, "pkix");
    assert.equal(first.algorithm, "ecdsa-p256-sha256");
    assert.equal(first.payload.kind, "simple-signing");
  });

  test("ECDSA P-384 with an ASN.1 DER signature from openssl", async () => {
    const result = await verifies(await pkix("p384", "ecdsa-p384-sha384"), openssl.sign("p384", "sha384", payload));
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("ECDSA P-256, P-384 and P-521 with raw IEEE P1363 r||s signatures from node:crypto", async () => {
    for (const [curve, hash] of [["P-256", "sha256"], ["P-384", "sha384"], ["P-521", "sha512"]] as const) {
      const pair = generateKeyPairSync("ec", { namedCurve: curve });
      const key = await parseTrustedKey({ kind: "pkix", publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString() });
      const signature = sign(hash, payload, { key: pair.privateKey, dsaEncoding: "ieee-p1363" });
      const result = await verifies(key, signature);
      assert.equal(result.verified, true, `${curve}: ${JSON.stringify(result.failure)}`);
    }
  });

  test("RSA PKCS#1 v1.5 from openssl, with the algorithm named in either spelling", async () => {
    const signature = openssl.sign("rsa", "sha256", payload);
    for (const name of [undefined, "rsa-sign-pkcs1-2048-sha256", "RSA_SIGN_PKCS1_2048_SHA256"]) {
      const result = await verifies(await pkix("rsa", name), signature);
      assert.equal(result.verified, true, `${name}: ${JSON.stringify(result.failure)}`);
    }
  });

  test("RSA-PSS from openssl with salt = digest length and with the maximum salt", async () => {
    for (const salt of ["digest", "max"]) {
      const signature = openssl.sign("rsa", "sha256", payload, ["rsa_padding_mode:pss", `rsa_pss_saltlen:${salt}`]);
      const result = await verifies(await pkix("rsa", "rsa-pss-2048-sha256"), signature);
      assert.equal(result.verified, true, `${salt}: ${JSON.stringify(result.failure)}`);
      assert.ok(result.results[0]!.ok && result.results[0]!.algorithm === "rsa-pss-2048-sha256");
    }
  });

  test("RSA-PSS SHA-512 verifies with no algorithm configured", async () => {
    const signature = openssl.sign("rsa", "sha512", payload, ["rsa_padding_mode:pss", "rsa_pss_saltlen:digest"]);
    const result = await verifies(await pkix("rsa"), signature);
    assert.ok(result.results[0]!.ok && result.results[0]!.algorithm === "rsa-pss-2048-sha512");
  });

  test("Ed25519 from openssl pkeyutl", async () => {
    const result = await verifies(await pkix("ed25519"), openssl.signRaw("ed25519", payload));
    assert.equal(result.verified, true, JSON.stringify(result.failure));
    assert.ok(result.results[0]!.ok && result.results[0]!.algorithm === "ed25519");
  });

  test("one verifying signature among failing ones is enough", async () => {
    const key = await pkix("p256");
    const result = await verifyAttestationOccurrence(
      {
        serializedPayload: payload,
        signatures: [
          { signature: openssl.sign("p256b", "sha256", payload), publicKeyId: key.id },
          { signature: openssl.sign("p256", "sha256", payload), publicKeyId: key.id },
        ],
      },
      image,
      [key],
    );
    assert.equal(result.verified, true);
    assert.deepEqual(result.results.map((r) => r.ok), [false, true]);
  });
});

describe("PKIX signatures that must not verify", () => {
  test("a signature by another key is SIGNATURE_INVALID", async () => {
    const result = await verifies(await pkix("p256"), openssl.sign("p256b", "sha256", payload));
    assert.equal(result.failure?.code, "SIGNATURE_INVALID");
  });

  test("a tampered payload is SIGNATURE_INVALID", async () => {
    const signature = openssl.sign("p256", "sha256", payload);
    const tampered = Buffer.from(Buffer.from(payload).toString().replace("cosign", "Cosign"));
    assert.equal((await verifies(await pkix("p256"), signature, tampered)).failure?.code, "SIGNATURE_INVALID");
  });

  test("a PKCS#1 signature is SIGNATURE_INVALID for a key restricted to RSA-PSS", async () => {
    const result = await verifies(await pkix("rsa", "rsa-pss-2048-sha256"), openssl.sign("rsa", "sha256", payload));
    assert.equal(result.failure?.code, "SIGNATURE_INVALID");
  });

  test("a key id that names no trusted key is KEY_UNKNOWN", async () => {
    const key = await pkix("p256");
    const result = await verifyAttestationOccurrence(occurrence(openssl.sign("p256", "sha256", payload), openssl.niId("p256b")), image, [key]);
    assert.equal(result.failure?.code, "KEY_UNKNOWN");
  });

  test("a signature without a key id is KEY_UNKNOWN", async () => {
    const key = await pkix("p256");
    const result = await verifyAttestationOccurrence(occurrence(openssl.sign("p256", "sha256", payload), ""), image, [key]);
    assert.equal(result.failure?.code, "KEY_UNKNOWN");
  });

  test("an empty signature is SIGNATURE_MALFORMED", async () => {
    assert.equal((await verifies(await pkix("p256"), new Uint8Array())).failure?.code, "SIGNATURE_MALFORMED");
  });
});

describe("PKIX trusted keys outside the allow-list", () => {
  test("an RSA-1024 key from openssl is KEY_TOO_WEAK", async () => {
    await assert.rejects(pkix("rsa1024"), rejectsWith("KEY_TOO_WEAK"));
  });

  test("secp256k1 and Ed448 keys are ALGORITHM_NOT_ALLOWED", async () => {
    await assert.rejects(pkix("k256"), rejectsWith("ALGORITHM_NOT_ALLOWED"));
    await assert.rejects(pkix("ed448"), rejectsWith("ALGORITHM_NOT_ALLOWED"));
  });

  test("a DSA key is ALGORITHM_NOT_ALLOWED", async () => {
    const { publicKey } = generateKeyPairSync("dsa", { modulusLength: 2048, divisorLength: 256 });
    await assert.rejects(
      parseTrustedKey({ kind: "pkix", publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() }),
      rejectsWith("ALGORITHM_NOT_ALLOWED"),
    );
  });

  test("a SHA-1, DSA or mismatched-hash algorithm name is ALGORITHM_NOT_ALLOWED", async () => {
    for (const name of ["rsa-sign-pkcs1-2048-sha1", "dsa-sha256", "ecdsa-p256-sha512", "RSA_PSS_1024_SHA256"]) {
      await assert.rejects(pkix("rsa", name), rejectsWith("ALGORITHM_NOT_ALLOWED"), name);
    }
  });

  test("an algorithm name that does not fit the key is KEY_MALFORMED", async () => {
    await assert.rejects(pkix("p256", "ecdsa-p384-sha384"), rejectsWith("KEY_MALFORMED"));
    await assert.rejects(pkix("rsa", "rsa-pss-4096-sha256"), rejectsWith("KEY_MALFORMED"));
  });

  test("a private key PEM is refused as trust material", async () => {
    await assert.rejects(
      parseTrustedKey({ kind: "pkix", publicKeyPem: pems["p256"]!.privatePem }),
      rejectsWith("KEY_MALFORMED"),
    );
  });
});
