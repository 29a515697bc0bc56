import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseSignatureAlgorithm, schemeName } from "./algorithms.js";
import { AttestationError } from "./errors.js";

describe("parseSignatureAlgorithm", () => {
  test("Binary Authorization names and enum spellings denote the same scheme", () => {
    for (const [a, b] of [
      ["rsa-pss-4096-sha256", "RSA_PSS_4096_SHA256"],
      ["rsa-pss-4096-sha256", "RSA_SIGN_PSS_4096_SHA256"],
      ["rsa-sign-pkcs1-4096-sha512", "RSA_SIGN_PKCS1_4096_SHA512"],
      ["ecdsa-p256-sha256", "EC_SIGN_P256_SHA256"],
      ["ecdsa-p256-sha256", "ECDSA_P256_SHA256"],
      ["ecdsa-p384-sha384", "EC_SIGN_P384_SHA384"],
      ["ecdsa-p521-sha512", "ECDSA_P521_SHA512"],
    ]) {
      assert.deepEqual(parseSignatureAlgorithm(a!), parseSignatureAlgorithm(b!), `${a} / ${b}`);
    }
  });

  test("every Binary Authorization name reads back to itself", () => {
    for (const name of [
      "rsa-pss-2048-sha256",
      "rsa-pss-3072-sha256",
      "rsa-pss-4096-sha256",
      "rsa-pss-4096-sha512",
      "rsa-sign-pkcs1-2048-sha256",
      "rsa-sign-pkcs1-3072-sha256",
      "rsa-sign-pkcs1-4096-sha256",
      "rsa-sign-pkcs1-4096-sha512",
      "ecdsa-p256-sha256",
      "ecdsa-p384-sha384",
      "ecdsa-p521-sha512",
    ]) {
      assert.equal(schemeName(parseSignatureAlgorithm(name)), name);
    }
  });

  test("SHA-1, DSA, short RSA and foreign curve hashes are ALGORITHM_NOT_ALLOWED", () => {
    for (const name of ["rsa-sign-pkcs1-2048-sha1", "dsa-sha256", "rsa-pss-1024-sha256", "ecdsa-p384-sha256", "hmac-sha256", ""]) {
      assert.throws(
        () => parseSignatureAlgorithm(name),
        (error: unknown) => error instanceof AttestationError && error.reason === "ALGORITHM_NOT_ALLOWED",
        name,
      );
    }
  });
});
