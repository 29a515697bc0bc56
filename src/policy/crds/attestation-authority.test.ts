import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import type { FieldViolation } from "../../errors.js";
import type { AttestationAuthority } from "./attestation-authority.js";
import { parseAttestationAuthority } from "./attestation-authority.js";
import type { ParseResult } from "./kritis-api.js";
import { example, examplePgpKeyBase64, examplePkixPem, withField } from "./test-fixtures.js";

const base = example("attestation-authority.yaml");

function parsed(object: unknown, defaultNamespace?: string): AttestationAuthority {
  const result = parseAttestationAuthority(object, { defaultNamespace });
  assert.ok(result.ok, `expected a valid authority, got ${JSON.stringify(!result.ok && result.violations)}`);
  return result.value;
}

function violations(result: ParseResult<AttestationAuthority>): string[] {
  assert.equal(result.ok, false, "expected the authority to be invalid");
  return result.ok ? [] : result.violations.map((v: FieldViolation) => `${v.field}: ${v.description}`);
}

function rejects(object: unknown, expected: string) {
  const found = violations(parseAttestationAuthority(object));
  assert.ok(
    found.some((v) => v.includes(expected)),
    `expected a violation containing ${JSON.stringify(expected)}, got ${JSON.stringify(found)}`,
  );
}

function pem(kind: "ec", options: { namedCurve: string }): string;
function pem(kind: "rsa", options: { modulusLength: number }): string;
function pem(kind: "ec" | "rsa", options: { namedCurve?: string; modulusLength?: number }): string {
  const { publicKey } =
    kind === "ec"
      ? generateKeyPairSync("ec", { namedCurve: options.namedCurve ?? "P-256" })
      : generateKeyPairSync("rsa", { modulusLength: options.modulusLength ?? 2048 });
  return publicKey.export({ type: "spki", format: "pem" }).toString();
}

describe("AttestationAuthority", () => {
  test("the shipped example parses, with the canonical note name", () => {
    const authority = parsed(base);
    assert.equal(authority.noteReference, "projects/image-signing/notes/qa");
    assert.deepEqual(authority.note, { project: "image-signing", noteId: "qa" });
    assert.deepEqual(authority.publicKeys.map((k) => k.keyType), ["PGP", "PKIX"]);
  });

  test("a base64 PGP key (Kritis' encoding) is decoded to the armored key", () => {
    const key = parsed(base).publicKeys[0];
    assert.equal(key?.keyType, "PGP");
    assert.ok(key?.keyType === "PGP" && key.armoredKey.startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
    assert.equal(key?.keyId, "D42B8360B2957B19A6237FE6E0A0C38636966439");
  });

  test("the raw armored PGP key is accepted as well", () => {
    const armored = Buffer.from(examplePgpKeyBase64(), "base64").toString("utf8");
    const authority = parsed(withField(base, "spec.publicKeys[0].asciiArmoredPgpPublicKey", armored));
    const key = authority.publicKeys[0];
    assert.ok(key?.keyType === "PGP" && key.armoredKey.trim() === armored.trim());
  });

  test("base64 wrapped over several lines (plain `base64` output) is accepted", () => {
    const wrapped = examplePgpKeyBase64().replace(/(.{76})/g, "$1\n");
    assert.ok(wrapped.includes("\n"));
    parsed(withField(base, "spec.publicKeys[0].asciiArmoredPgpPublicKey", wrapped));
  });

  test("a PGP key ID given with spaces and in lowercase is normalised", () => {
    const authority = parsed(
      withField(base, "spec.publicKeys[0].keyId", "d42b 8360 b295 7b19 a623 7fe6 e0a0 c386 3696 6439"),
    );
    assert.equal(authority.publicKeys[0]?.keyId, "D42B8360B2957B19A6237FE6E0A0C38636966439");
  });

  test("a PKIX key without keyId gets the ni:///sha-256 id of its DER SPKI, as openssl computes it", () => {
    const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "DER"], { input: examplePkixPem() });
    const expected = `ni:///sha-256;${createHash("sha256").update(der).digest("base64url")}`;
    const key = parsed(base).publicKeys[1];
    assert.ok(key?.keyType === "PKIX");
    assert.equal(key.keyId, expected);
    assert.equal(key.keyIdDerived, true);
  });

  test("a Binary Authorization algorithm spelling is accepted and canonicalised", () => {
    const authority = parsed(withField(base, "spec.publicKeys[1].pkixPublicKey.signatureAlgorithm", "EC_SIGN_P256_SHA256"));
    const key = authority.publicKeys[1];
    assert.ok(key?.keyType === "PKIX" && key.signatureAlgorithm === "ecdsa-p256-sha256");
  });

  test("the correct rsa-pss-4096-sha256 name parses (Kritis' typo made it unknown)", () => {
    const rsa = pem("rsa", { modulusLength: 4096 });
    const object = withField(
      withField(base, "spec.publicKeys[1].pkixPublicKey.signatureAlgorithm", "rsa-pss-4096-sha256"),
      "spec.publicKeys[1].pkixPublicKey.publicKeyPem",
      rsa,
    );
    assert.equal(parsed(object).publicKeys.length, 2);
  });

  test("a namespace-less authority takes the default namespace when one is given", () => {
    const authority = parsed(withField(base, "metadata.namespace", undefined), "staging");
    assert.equal(authority.namespace, "staging");
  });
});

describe("AttestationAuthority validation", () => {
  test("an authority without public keys is rejected, saying why", () => {
    rejects(withField(base, "spec.publicKeys", undefined), "spec.publicKeys: at least one public key is required");
  });

  test("an empty key list is rejected the same way", () => {
    rejects(withField(base, "spec.publicKeys", []), "an authority without keys can never verify an attestation");
  });

  test("a PKIX key without its PEM is reported at its exact path", () => {
    rejects(
      withField(base, "spec.publicKeys[1].pkixPublicKey.publicKeyPem", undefined),
      "spec.publicKeys[1].pkixPublicKey.publicKeyPem: required",
    );
  });

  test("a key without keyType is rejected", () => {
    rejects(withField(base, "spec.publicKeys[0].keyType", undefined), "spec.publicKeys[0].keyType: required (PGP or PKIX)");
  });

  test("an unknown keyType is rejected with the allowed values", () => {
    rejects(withField(base, "spec.publicKeys[0].keyType", "GPG"), 'must be one of PGP, PKIX; got "GPG"');
  });

  test("a PGP key without key material is rejected", () => {
    rejects(
      withField(base, "spec.publicKeys[0].asciiArmoredPgpPublicKey", undefined),
      "spec.publicKeys[0].asciiArmoredPgpPublicKey: required when keyType is PGP",
    );
  });

  test("a PGP key that also carries a pkixPublicKey is rejected", () => {
    rejects(
      withField(base, "spec.publicKeys[0].pkixPublicKey", { publicKeyPem: examplePkixPem(), signatureAlgorithm: "ecdsa-p256-sha256" }),
      "spec.publicKeys[0].pkixPublicKey: must not be set when keyType is PGP",
    );
  });

  test("text that is neither base64 nor armor is rejected", () => {
    rejects(withField(base, "spec.publicKeys[0].asciiArmoredPgpPublicKey", "not a key!"), "it is neither");
  });

  test("base64 of something other than an armored key is rejected", () => {
    rejects(
      withField(base, "spec.publicKeys[0].asciiArmoredPgpPublicKey", Buffer.from("hello world").toString("base64")),
      "must start with -----BEGIN PGP PUBLIC KEY BLOCK-----",
    );
  });

  test("a PGP private key is refused without echoing it", () => {
    const secret = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nc2VjcmV0LW1hdGVyaWFs\n-----END PGP PRIVATE KEY BLOCK-----\n";
    const found = violations(parseAttestationAuthority(withField(base, "spec.publicKeys[0].asciiArmoredPgpPublicKey", secret)));
    assert.ok(found.some((v) => v.includes("is a PGP PRIVATE key")));
    assert.ok(found.every((v) => !v.includes("c2VjcmV0")));
  });

  test("a PEM private key is refused", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    rejects(withField(base, "spec.publicKeys[1].pkixPublicKey.publicKeyPem", privatePem), "is a PRIVATE key");
  });

  test("a PEM whose body is garbage is rejected", () => {
    rejects(
      withField(base, "spec.publicKeys[1].pkixPublicKey.publicKeyPem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
      "is not a public key that can be read",
    );
  });

  test("an EC key declared with an RSA algorithm is rejected", () => {
    rejects(
      withField(base, "spec.publicKeys[1].pkixPublicKey.signatureAlgorithm", "rsa-sign-pkcs1-2048-sha256"),
      "signature algorithm rsa-sign-pkcs1-2048-sha256 does not fit the key: the key is ECDSA P-256",
    );
  });

  test("a P-384 key declared as ecdsa-p256-sha256 is rejected", () => {
    rejects(
      withField(base, "spec.publicKeys[1].pkixPublicKey.publicKeyPem", pem("ec", { namedCurve: "P-384" })),
      "signature algorithm ecdsa-p256-sha256 does not fit the key: the key is ECDSA P-384",
    );
  });

  test("a 2048-bit RSA key declared as rsa-pss-3072-sha256 is rejected", () => {
    const object = withField(
      withField(base, "spec.publicKeys[1].pkixPublicKey.signatureAlgorithm", "rsa-pss-3072-sha256"),
      "spec.publicKeys[1].pkixPublicKey.publicKeyPem",
      pem("rsa", { modulusLength: 2048 }),
    );
    rejects(object, "signature algorithm rsa-pss-3072-sha256 does not fit the key: the key has 2048 bits");
  });

  test("an unknown signature algorithm is rejected", () => {
    rejects(withField(base, "spec.publicKeys[1].pkixPublicKey.signatureAlgorithm", "rsa-pss-4096s-ha256"), "must be one of rsa-pss-2048-sha256");
  });

  test("a PKIX keyId that is not a URI is rejected", () => {
    rejects(withField(base, "spec.publicKeys[1].keyId", "my key"), "spec.publicKeys[1].keyId: must be a URI");
  });

  test("two keys with the same keyId are rejected", () => {
    const object = withField(
      withField(base, "spec.publicKeys[1].keyId", "https://keys.example/1"),
      "spec.publicKeys[2]",
      { keyType: "PKIX", keyId: "https://keys.example/1", pkixPublicKey: { publicKeyPem: examplePkixPem(), signatureAlgorithm: "ecdsa-p256-sha256" } },
    );
    rejects(object, "spec.publicKeys[2].keyId: \"https://keys.example/1\" is also the key ID of spec.publicKeys[1]");
  });

  test("a note reference of the wrong shape is rejected with the expected form", () => {
    rejects(withField(base, "spec.noteReference", "notes/qa"), 'spec.noteReference: noteReference must be in the form "projects/[PROJECT_ID]/notes/[NOTE_ID]"');
  });

  test("the Go field name KeyType (Kritis' malformed tag) is reported with a hint", () => {
    rejects(withField(base, "spec.publicKeys[0].KeyType", "PGP"), "spec.publicKeys[0].KeyType: unknown field; did you mean keyType?");
  });

  test("a missing namespace is an error when no default is given", () => {
    rejects(withField(base, "metadata.namespace", undefined), "metadata.namespace: required");
  });

  test("a wrong apiVersion is rejected", () => {
    rejects(withField(base, "apiVersion", "kritis.grafeas.io/v1"), 'apiVersion: must be kritis.grafeas.io/v1beta1; got "kritis.grafeas.io/v1"');
  });

  test("a value that is not an object is rejected without a crash", () => {
    rejects("AttestationAuthority", "object: must be an object, not a string");
  });

  test("every problem is reported at once", () => {
    const object = withField(withField(base, "spec.noteReference", 7), "spec.publicKeys[0].keyType", "X");
    const found = violations(parseAttestationAuthority(object));
    assert.ok(found.some((v) => v.startsWith("spec.noteReference: must be a string")));
    assert.ok(found.some((v) => v.startsWith("spec.publicKeys[0].keyType: must be one of")));
  });
});
