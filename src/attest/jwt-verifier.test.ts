import assert from "node:assert/strict";
import { type KeyObject, generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { SignJWT, UnsecuredJWT } from "jose";
import { parseImageReference } from "../image/image-reference.js";
import { type TrustedKey, parseTrustedKey } from "./trusted-key.js";
import { verifyAttestationOccurrence } from "./verify-attestation.js";

const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
const otherDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
const pinned = `gcr.io/hightowerlabs/payment@${digest}`;
const image = parseImageReference(pinned);

interface Signer {
  readonly privateKey: KeyObject;
  readonly trusted: TrustedKey;
}

async function signer(pair: { publicKey: KeyObject; privateKey: KeyObject }, signatureAlgorithm?: string): Promise<Signer> {
  const publicKeyPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
  return { privateKey: pair.privateKey, trusted: await parseTrustedKey({ kind: "pkix", publicKeyPem, signatureAlgorithm }) };
}

const p256 = await signer(generateKeyPairSync("ec", { namedCurve: "P-256" }));
const p384 = await signer(generateKeyPairSync("ec", { namedCurve: "P-384" }));
const rsa = await signer(generateKeyPairSync("rsa", { modulusLength: 2048 }));
const pssOnly = await signer(generateKeyPairSync("rsa", { modulusLength: 2048 }), "rsa-pss-2048-sha256");
const ed25519 = await signer(generateKeyPairSync("ed25519"));
const stranger = await signer(generateKeyPairSync("ec", { namedCurve: "P-256" }));
const keys = [p256.trusted, p384.trusted, rsa.trusted, pssOnly.trusted, ed25519.trusted];

async function jwt(by: Signer, alg: string, claims: Record<string, unknown> = { sub: pinned }, kid: string | null = by.trusted.id) {
  const builder = new SignJWT(claims).setProtectedHeader(kid === null ? { alg } : { alg, kid });
  return builder.sign(by.privateKey);
}

async function verify(compactJwt: string) {
  return verifyAttestationOccurrence({ serializedPayload: new Uint8Array(), signatures: [], jwts: [{ compactJwt }] }, image, keys);
}

describe("JWT attestations verify", () => {
  test("ES256, ES384, RS256, PS256 and EdDSA tokens whose sub is the pinned image", async () => {
    for (const [by, alg] of [[p256, "ES256"], [p384, "ES384"], [rsa, "RS256"], [rsa, "PS512"], [pssOnly, "PS256"], [ed25519, "EdDSA"]] as const) {
      const result = await verify(await jwt(by, alg));
      assert.equal(result.verified, true, `${alg}: ${JSON.stringify(result.failure)}`);
      const first = result.results[0]!;
      assert.ok(first.ok);
      assert.equal(first.format, "jwt");
      assert.equal(first.algorithm, alg);
      assert.equal(first.keyId, by.trusted.id);
      assert.equal(first.payload.kind, "jwt-claims");
    }
  });

  test("the Grafeas resource URL is accepted as sub", async () => {
    assert.equal((await verify(await jwt(p256, "ES256", { sub: `https://${pinned}` }))).verified, true);
  });

  test("without a kid every trusted key that fits the alg is tried", async () => {
    assert.equal((await verify(await jwt(p256, "ES256", { sub: pinned }, null))).verified, true);
  });

  test("serialized_payload plays no part in JWT verification", async () => {
    const compactJwt = await jwt(p256, "ES256");
    const result = await verifyAttestationOccurrence({ serializedPayload: Buffer.from("unrelated"), jwts: [{ compactJwt }] }, image, keys);
    assert.equal(result.verified, true);
  });
});

describe("JWT attestations that must not verify", () => {
  test("a kid that names no trusted key is KEY_UNKNOWN", async () => {
    assert.equal((await verify(await jwt(stranger, "ES256"))).failure?.code, "KEY_UNKNOWN");
  });

  test("a token signed by another key under a trusted kid is SIGNATURE_INVALID", async () => {
    assert.equal((await verify(await jwt(stranger, "ES256", { sub: pinned }, p256.trusted.id))).failure?.code, "SIGNATURE_INVALID");
  });

  test("tampered claims are SIGNATURE_INVALID", async () => {
    const [header, , signature] = (await jwt(p256, "ES256")).split(".");
    const forged = Buffer.from(JSON.stringify({ sub: `gcr.io/hightowerlabs/other@${digest}` })).toString("base64url");
    assert.equal((await verify(`${header}.${forged}.${signature}`)).failure?.code, "SIGNATURE_INVALID");
  });

  test("HS256 and unsecured (alg none) tokens are ALGORITHM_NOT_ALLOWED", async () => {
    const hmac = await new SignJWT({ sub: pinned }).setProtectedHeader({ alg: "HS256" }).sign(Buffer.alloc(32, 7));
    assert.equal((await verify(hmac)).failure?.code, "ALGORITHM_NOT_ALLOWED");
    const unsecured = new UnsecuredJWT({ sub: pinned }).encode();
    assert.equal((await verify(unsecured)).failure?.code, "ALGORITHM_NOT_ALLOWED");
  });

  test("an alg the key is not configured for is ALGORITHM_NOT_ALLOWED", async () => {
    assert.equal((await verify(await jwt(pssOnly, "RS256"))).failure?.code, "ALGORITHM_NOT_ALLOWED");
  });

  test("an expired token is ATTESTATION_EXPIRED", async () => {
    const expired = await jwt(p256, "ES256", { sub: pinned, exp: Math.floor(Date.now() / 1000) - 60 });
    assert.equal((await verify(expired)).failure?.code, "ATTESTATION_EXPIRED");
  });

  test("a token for another digest or repository is DIGEST_MISMATCH or REPOSITORY_MISMATCH", async () => {
    const otherDigestToken = await jwt(p256, "ES256", { sub: `gcr.io/hightowerlabs/payment@${otherDigest}` });
    assert.equal((await verify(otherDigestToken)).failure?.code, "DIGEST_MISMATCH");
    const otherRepositoryToken = await jwt(p256, "ES256", { sub: `gcr.io/elsewhere/payment@${digest}` });
    assert.equal((await verify(otherRepositoryToken)).failure?.code, "REPOSITORY_MISMATCH");
  });

  test("a token without sub is PAYLOAD_MALFORMED", async () => {
    assert.equal((await verify(await jwt(p256, "ES256", { image: pinned }))).failure?.code, "PAYLOAD_MALFORMED");
  });

  test("text that is no compact JWT is SIGNATURE_MALFORMED", async () => {
    assert.equal((await verify("not-a-jwt")).failure?.code, "SIGNATURE_MALFORMED");
  });
});
