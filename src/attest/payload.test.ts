import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseImageReference } from "../image/image-reference.js";
import { bindPayloadToImage } from "./image-binding.js";
import { readJwtClaims, readVerifiedPayload } from "./payload.js";
import { digestTextPayload, inTotoStatementPayload, simpleSigningPayload } from "./signing-payloads.js";

const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
const otherDigest = "sha256:0000000000000000000000000000000000000000000000000000000000000001";
const image = parseImageReference(`gcr.io/hightowerlabs/payment@${digest}`);
const bytes = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));

function read(value: unknown) {
  return readVerifiedPayload(bytes(value));
}

function codeOf(value: unknown): string | undefined {
  const result = read(value);
  return result.ok ? bindPayloadToImage(result.payload, image)?.code : result.failure.code;
}

function simpleSigning(reference: string, manifestDigest: string, type = "atomic container signature") {
  return { critical: { identity: { "docker-reference": reference }, image: { "docker-manifest-digest": manifestDigest }, type } };
}

function statement(subject: unknown, type = "https://in-toto.io/Statement/v1") {
  return { _type: type, subject, predicateType: "https://slsa.dev/provenance/v1", predicate: {} };
}

describe("reading verified payloads", () => {
  test("the tutorial's digest text, with or without its newline, names the digest only", () => {
    for (const text of [digest, `${digest}\n`, `  ${digest}\r\n`]) {
      const result = read(text);
      assert.ok(result.ok);
      assert.equal(result.payload.kind, "digest-text");
      assert.deepEqual(result.payload.subjects, [{ digest }]);
    }
  });

  test("a pinned image URL names repository and digest", () => {
    const result = read(`https://gcr.io/hightowerlabs/payment@${digest}`);
    assert.ok(result.ok);
    assert.equal(result.payload.kind, "image-reference-text");
    assert.equal(result.payload.subjects[0]!.repository, "gcr.io/hightowerlabs/payment");
  });

  test("all three simple-signing types are accepted, case-insensitively", () => {
    for (const type of ["atomic container signature", "Cosign Container Image Signature", "Google cloud binauthz container signature"]) {
      assert.equal(codeOf(simpleSigning("gcr.io/hightowerlabs/payment", digest, type)), undefined, type);
    }
  });

  test("in-toto statements v0.1 and v1 bind through a subject's sha256 digest", () => {
    const subject = [{ name: "gcr.io/hightowerlabs/payment", digest: { sha256: digest.slice(7) } }];
    assert.equal(codeOf(statement(subject)), undefined);
    assert.equal(codeOf(statement(subject, "https://in-toto.io/Statement/v0.1")), undefined);
  });

  test("an in-toto subject whose name is no image reference binds by digest alone", () => {
    assert.equal(codeOf(statement([{ name: "Payment Service!", digest: { sha256: digest.slice(7) } }])), undefined);
  });

  test("the payload builders produce payloads that bind to their image", () => {
    for (const payload of [simpleSigningPayload(image), digestTextPayload(image), inTotoStatementPayload(image, { predicateType: "https://example.com/qa/v1" })]) {
      const result = readVerifiedPayload(payload);
      assert.ok(result.ok);
      assert.equal(bindPayloadToImage(result.payload, image), undefined);
    }
  });

  test("JWT claims bind through sub, written as a reference or as the resource URL", () => {
    for (const sub of [`gcr.io/hightowerlabs/payment@${digest}`, `https://gcr.io/hightowerlabs/payment@${digest}`]) {
      const result = readJwtClaims(bytes({ sub }), { sub });
      assert.ok(result.ok);
      assert.equal(bindPayloadToImage(result.payload, image), undefined);
    }
    const missing = readJwtClaims(bytes({}), {});
    assert.ok(!missing.ok && missing.failure.code === "PAYLOAD_MALFORMED");
  });
});

describe("payloads that do not name the image", () => {
  test("another digest is DIGEST_MISMATCH, in every payload kind", () => {
    assert.equal(codeOf(otherDigest), "DIGEST_MISMATCH");
    assert.equal(codeOf(simpleSigning("gcr.io/hightowerlabs/payment", otherDigest)), "DIGEST_MISMATCH");
    assert.equal(codeOf(statement([{ name: "gcr.io/hightowerlabs/payment", digest: { sha256: otherDigest.slice(7) } }])), "DIGEST_MISMATCH");
  });

  test("another repository is REPOSITORY_MISMATCH", () => {
    assert.equal(codeOf(simpleSigning("gcr.io/elsewhere/payment", digest)), "REPOSITORY_MISMATCH");
    assert.equal(codeOf(`gcr.io/elsewhere/payment@${digest}`), "REPOSITORY_MISMATCH");
    assert.equal(codeOf(statement([{ name: "docker.io/library/payment", digest: { sha256: digest.slice(7) } }])), "REPOSITORY_MISMATCH");
  });

  test("a Docker Hub short name matches its normalised repository, and only that", () => {
    const nginx = parseImageReference(`docker.io/library/nginx@${digest}`);
    const result = read(simpleSigning("nginx:1.25", digest));
    assert.ok(result.ok);
    assert.equal(bindPayloadToImage(result.payload, nginx), undefined);
    assert.equal(bindPayloadToImage(result.payload, parseImageReference(`docker.io/someone/nginx@${digest}`))?.code, "REPOSITORY_MISMATCH");
  });
});

describe("payloads that cannot be read", () => {
  test("malformed payloads are PAYLOAD_MALFORMED", () => {
    for (const value of [
      "{not json",
      "sha256:abc",
      simpleSigning("gcr.io/hightowerlabs/payment", "sha256:xyz"),
      simpleSigning("Not A Reference", digest),
      { critical: { identity: {}, image: { "docker-manifest-digest": digest }, type: "atomic container signature" } },
      statement([]),
      statement([{ digest: { sha1: "abc" } }]),
      simpleSigning(`gcr.io/hightowerlabs/payment@${otherDigest}`, digest),
    ]) {
      assert.equal(codeOf(value), "PAYLOAD_MALFORMED", JSON.stringify(value));
    }
  });

  test("payloads of other kinds are PAYLOAD_TYPE_UNSUPPORTED", () => {
    for (const value of [
      "approved",
      { hello: "world" },
      simpleSigning("gcr.io/hightowerlabs/payment", digest, "notary signature"),
      statement([{ digest: { sha256: digest.slice(7) } }], "https://in-toto.io/Statement/v2"),
    ]) {
      assert.equal(codeOf(value), "PAYLOAD_TYPE_UNSUPPORTED", JSON.stringify(value));
    }
  });

  test("an image without a digest is IMAGE_NOT_PINNED", () => {
    const result = read(digest);
    assert.ok(result.ok);
    assert.equal(bindPayloadToImage(result.payload, parseImageReference("gcr.io/hightowerlabs/payment:1.0"))?.code, "IMAGE_NOT_PINNED");
  });
});
