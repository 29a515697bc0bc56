/**
 * @module attest/signing-payloads
 *
 * Builds the payloads a signer signs for a pinned image, in the shapes the
 * verifier accepts (./payload.ts): simple-signing JSON (Kritis' key order,
 * `critical{identity,image,type}` then `optional`), the 2017 tutorial's plain
 * digest text, and an in-toto Statement v1 with the image as its subject.
 */
import { type ImageReference, pinnedReference } from "../image/image-reference.js";
import { AttestationError } from "./errors.js";

function requireDigest(image: ImageReference): string {
  if (image.digest === undefined || pinnedReference(image) === undefined) {
    throw new AttestationError("IMAGE_NOT_PINNED", `${image.repository} has no digest; sign images by digest`);
  }
  return image.digest;
}

export interface SimpleSigningOptions {
  /** `critical.type`; defaults to "atomic container signature". */
  readonly type?: string | undefined;
  /** Free-form `optional` section (omitted when undefined). */
  readonly optional?: Record<string, unknown> | undefined;
}

/** Simple-signing JSON naming the image's repository and digest. */
export function simpleSigningPayload(image: ImageReference, options: SimpleSigningOptions = {}): Uint8Array {
  const digest = requireDigest(image);
  const payload: Record<string, unknown> = {
    critical: {
      identity: { "docker-reference": image.repository },
      image: { "docker-manifest-digest": digest },
      type: options.type ?? "atomic container signature",
    },
  };
  if (options.optional !== undefined) payload["optional"] = options.optional;
  return Buffer.from(JSON.stringify(payload), "utf8");
}

/** The tutorial's `image-digest.txt`: the digest and a newline. Names the digest only. */
export function digestTextPayload(image: ImageReference): Uint8Array {
  return Buffer.from(`${requireDigest(image)}\n`, "utf8");
}

export interface InTotoStatementOptions {
  readonly predicateType: string;
  readonly predicate?: Record<string, unknown> | undefined;
}

/** An in-toto Statement v1 whose one subject is the image (name = repository, digest by algorithm). */
export function inTotoStatementPayload(image: ImageReference, options: InTotoStatementOptions): Uint8Array {
  const digest = requireDigest(image);
  const colon = digest.indexOf(":");
  const statement = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: image.repository, digest: { [digest.slice(0, colon)]: digest.slice(colon + 1) } }],
    predicateType: options.predicateType,
    predicate: options.predicate ?? {},
  };
  return Buffer.from(JSON.stringify(statement), "utf8");
}
