import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { AttestationOccurrenceSchema } from "../gen/grafeas/v1/attestation_pb.js";
import { SignatureSchema } from "../gen/grafeas/v1/common_pb.js";
import { parseImageReference } from "../image/image-reference.js";
import { AttestationError } from "./errors.js";
import { signWithPrivateKey } from "./pkix-signer.js";
import { digestTextPayload, simpleSigningPayload } from "./signing-payloads.js";
import { parseTrustedKey } from "./trusted-key.js";
import { verifyAttestationOccurrence } from "./verify-attestation.js";

const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
const image = parseImageReference(`gcr.io/hightowerlabs/payment@${digest}`);
const payload = simpleSigningPayload(image);

function pemPair(pair: ReturnType<typeof generateKeyPairSync>) {
  return {
    privatePem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

const pairs = {
  p256: pemPair(generateKeyPairSync("ec", { namedCurve: "P-256" })),
  p384: pemPair(generateKeyPairSync("ec", { namedCurve: "P-384" })),
  rsa: pemPair(generateKeyPairSync("rsa", { modulusLength: 2048 })),
  ed25519: pemPair(generateKeyPairSync("ed25519")),
};

async function roundTrip(pair: { privatePem: string; publicPem: string }, signatureAlgorithm?: string) {
  const signed = signWithPrivateKey(pair.privatePem, payload, { signatureAlgorithm });
  const key = await parseTrustedKey({ kind: "pkix", publicKeyPem: pair.publicPem, signatureAlgorithm });
  const occurrence = create(AttestationOccurrenceSchema, {
    serializedPayload: payload,
    signatures: [create(SignatureSchema, { signature: signed.signature, publicKeyId: signed.keyId })],
  });
  return { signed, key, result: await verifyAttestationOccurrence(occurrence, image, [key]) };
}

describe("signing with a PEM private key", () => {
  test("ECDSA, RSA and Ed25519 signatures verify, named by the key's ni:/// id", async () => {
    for (const [name, expected] of [["p256", "ecdsa-p256-sha256"], ["p384", "ecdsa-p384-sha384"], ["rsa", "rsa-sign-pkcs1-2048-sha256"], ["ed25519", "ed25519"]] as const) {
      const { signed, key, result } = await roundTrip(pairs[name]);
      assert.equal(result.verified, true, `${name}: ${JSON.stringify(result.failure)}`);
      assert.equal(signed.keyId, key.id);
      assert.match(signed.keyId, /^ni:\/\/\/sha-256;[A-Za-z0-9_-]{43}$/);
      assert.equal(signed.algorithm, expected);
    }
  });

  test("ECDSA signatures are ASN.1 DER", () => {
    const { signature } = signWithPrivateKey(pairs.p256.privatePem, payload);
    assert.equal(signature[0], 0x30);
  });

  test("a named RSA-PSS algorithm signs with PSS, which a PSS-only key accepts", async () => {
    const { signed, result } = await roundTrip(pairs.rsa, "rsa-pss-2048-sha512");
    assert.equal(signed.algorithm, "rsa-pss-2048-sha512");
    assert.equal(result.verified, true, JSON.stringify(result.failure));
  });

  test("a given key id is reported instead of the derived one", () => {
    assert.equal(signWithPrivateKey(pairs.p256.privatePem, payload, { keyId: "kms://key/1" }).keyId, "kms://key/1");
  });

  test("an RSA-1024 private key is KEY_TOO_WEAK", () => {
    const weak = pemPair(generateKeyPairSync("rsa", { modulusLength: 1024 }));
    assert.throws(() => signWithPrivateKey(weak.privatePem, payload), (e: unknown) => e instanceof AttestationError && e.reason === "KEY_TOO_WEAK");
  });

  test("text that is no private key is SIGNING_KEY_UNKNOWN", () => {
    assert.throws(() => signWithPrivateKey(pairs.p256.publicPem, payload), (e: unknown) => e instanceof AttestationError && e.reason === "SIGNING_KEY_UNKNOWN");
  });
});

describe("payload builders", () => {
  test("simple signing uses Kritis' key order and the normalised repository", () => {
    const nginx = parseImageReference(`nginx:1.25@${digest}`);
    assert.equal(
      Buffer.from(simpleSigningPayload(nginx)).toString(),
      `{"critical":{"identity":{"docker-reference":"docker.io/library/nginx"},"image":{"docker-manifest-digest":"${digest}"},"type":"atomic container signature"}}`,
    );
  });

  test("the digest text is the tutorial's image-digest.txt", () => {
    assert.equal(Buffer.from(digestTextPayload(image)).toString(), `${digest}\n`);
  });

  test("an image without a digest cannot be signed: IMAGE_NOT_PINNED", () => {
    assert.throws(
      () => simpleSigningPayload(parseImageReference("gcr.io/hightowerlabs/payment:1.0")),
      (e: unknown) => e instanceof AttestationError && e.reason === "IMAGE_NOT_PINNED",
    );
  });
});
