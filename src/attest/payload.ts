/**
 * @module attest/payload
 *
 * Reads a payload, only ever after its signature verified, into the image
 * identities it names. Accepted kinds:
 *
 * - `digest-text`: the 2017 tutorial's signed text, `sha256:<hex>` with
 *   optional surrounding white space; names a digest only.
 * - `image-reference-text`: a pinned image reference (`gcr.io/p/img@sha256:…`,
 *   optionally as an `https://` resource URL); names repository and digest.
 * - `simple-signing`: the Atomic "simple signing" JSON used by Kritis, Binary
 *   Authorization and cosign: `critical.identity.docker-reference` and
 *   `critical.image.docker-manifest-digest`, with `critical.type` one of
 *   "atomic container signature", "cosign container image signature" or
 *   "Google cloud binauthz container signature" (case-insensitive).
 * - `in-toto-statement`: an in-toto Statement v0.1 or v1 (`_type`), naming
 *   `subject[].digest` (sha256/sha384/sha512) and, where a subject `name`
 *   parses as an image reference, its repository.
 * - `jwt-claims`: a JWT claims set whose `sub` is the pinned image reference
 *   (see ./jwt-verifier.ts).
 */
import { type ImageReference, parseDigest, parseImageReference } from "../image/image-reference.js";
import { type AttestationFailure, failure } from "./errors.js";

export type PayloadKind =
  | "digest-text"
  | "image-reference-text"
  | "simple-signing"
  | "in-toto-statement"
  | "jwt-claims";

/** One image identity a payload names: always a digest, and a repository when the payload says one. */
export interface PayloadSubject {
  /** `algorithm:hex`. */
  readonly digest: string;
  /** The normalised repository (`docker.io/library/nginx`), when the payload names one. */
  readonly repository?: string | undefined;
  /** The name as written in the payload, for messages. */
  readonly name?: string | undefined;
}

export interface SimpleSigningPayload {
  readonly critical: {
    readonly identity: { readonly "docker-reference": string };
    readonly image: { readonly "docker-manifest-digest": string };
    readonly type: string;
  };
  readonly optional?: Record<string, unknown> | null | undefined;
}

export interface InTotoStatementPayload {
  readonly _type: string;
  readonly subject: readonly { readonly name?: string; readonly digest: Record<string, string> }[];
  readonly predicateType: string;
  readonly predicate?: unknown;
}

export interface VerifiedPayload {
  readonly kind: PayloadKind;
  /** Exactly the bytes the signature covered. */
  readonly bytes: Uint8Array;
  readonly subjects: readonly PayloadSubject[];
  /** The parsed JSON, for JSON kinds (simple signing, in-toto statement, JWT claims). */
  readonly json?: unknown;
}

export type PayloadResult = { readonly ok: true; readonly payload: VerifiedPayload } | { readonly ok: false; readonly failure: AttestationFailure };

export const simpleSigningTypes: readonly string[] = [
  "atomic container signature",
  "cosign container image signature",
  "google cloud binauthz container signature",
];

export const inTotoStatementTypes: readonly string[] = [
  "https://in-toto.io/Statement/v0.1",
  "https://in-toto.io/Statement/v1",
];

/** What a caller knows the payload must be (a DSSE payloadType, say); `any` detects the kind. */
export type ExpectedPayload = "any" | "simple-signing" | "in-toto-statement";

const digestAlgorithms = ["sha256", "sha384", "sha512"] as const;

const malformed = (detail: string): PayloadResult => ({ ok: false, failure: failure("PAYLOAD_MALFORMED", detail) });
const unsupported = (detail: string): PayloadResult => ({
  ok: false,
  failure: failure("PAYLOAD_TYPE_UNSUPPORTED", detail),
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function tryImage(reference: string): ImageReference | undefined {
  try {
    return parseImageReference(reference);
  } catch {
    return undefined;
  }
}

function tryDigest(digest: string): string | undefined {
  try {
    return parseDigest(digest);
  } catch {
    return undefined;
  }
}

/** Parses `https://registry/repo@digest` or `registry/repo@digest`; undefined unless pinned. */
export function pinnedImageOf(reference: string): ImageReference | undefined {
  const image = tryImage(reference.replace(/^https:\/\//, ""));
  return image?.digest === undefined ? undefined : image;
}

/** Reads verified bytes into a payload. Call only with bytes whose signature verified. */
export function readVerifiedPayload(bytes: Uint8Array, expected: ExpectedPayload = "any"): PayloadResult {
  const text = Buffer.from(bytes).toString("utf8").replace(/^\uFEFF/, "").trim();
  if (!text.startsWith("{")) {
    if (expected !== "any") return malformed(`a ${expected} payload must be a JSON object`);
    return readText(bytes, text);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return malformed("the payload is not valid JSON");
  }
  if (!isObject(json)) return malformed("the payload is not a JSON object");
  if (expected === "simple-signing" || (expected === "any" && "critical" in json)) {
    return readSimpleSigning(bytes, json);
  }
  if (expected === "in-toto-statement" || (expected === "any" && "_type" in json)) {
    return readStatement(bytes, json);
  }
  return unsupported("the JSON payload is neither simple signing nor an in-toto statement");
}

function readText(bytes: Uint8Array, text: string): PayloadResult {
  if (/^(sha256|sha384|sha512):/.test(text)) {
    const digest = tryDigest(text);
    if (digest === undefined) return malformed(`${JSON.stringify(text.slice(0, 80))} is not a valid digest`);
    return { ok: true, payload: { kind: "digest-text", bytes, subjects: [{ digest }] } };
  }
  if (!/\s/.test(text) && text.includes("@")) {
    const image = pinnedImageOf(text);
    if (image === undefined) return malformed(`${JSON.stringify(text.slice(0, 200))} is not a pinned image reference`);
    return {
      ok: true,
      payload: {
        kind: "image-reference-text",
        bytes,
        subjects: [{ digest: image.digest!, repository: image.repository, name: text }],
      },
    };
  }
  return unsupported("the payload is neither a digest, an image reference nor JSON");
}

function readSimpleSigning(bytes: Uint8Array, json: Record<string, unknown>): PayloadResult {
  const critical = json["critical"];
  if (!isObject(critical)) return malformed("simple signing: critical is missing");
  const type = critical["type"];
  if (typeof type !== "string") return malformed("simple signing: critical.type is missing");
  if (!simpleSigningTypes.includes(type.toLowerCase())) {
    return unsupported(`simple signing type ${JSON.stringify(type)} is not accepted`);
  }
  const identity = critical["identity"];
  const reference = isObject(identity) ? identity["docker-reference"] : undefined;
  if (typeof reference !== "string" || reference === "") {
    return malformed("simple signing: critical.identity.docker-reference is missing");
  }
  const image = tryImage(reference);
  if (image === undefined) return malformed(`simple signing: docker-reference ${JSON.stringify(reference)} is not an image reference`);
  const imageSection = critical["image"];
  const digestValue = isObject(imageSection) ? imageSection["docker-manifest-digest"] : undefined;
  const digest = typeof digestValue === "string" ? tryDigest(digestValue) : undefined;
  if (digest === undefined) return malformed("simple signing: critical.image.docker-manifest-digest is missing or invalid");
  if (image.digest !== undefined && image.digest !== digest) {
    return malformed("simple signing: docker-reference and docker-manifest-digest name different digests");
  }
  const optional = json["optional"];
  if (optional !== undefined && optional !== null && !isObject(optional)) {
    return malformed("simple signing: optional must be an object");
  }
  return {
    ok: true,
    payload: { kind: "simple-signing", bytes, json, subjects: [{ digest, repository: image.repository, name: reference }] },
  };
}

function readStatement(bytes: Uint8Array, json: Record<string, unknown>): PayloadResult {
  const type = json["_type"];
  if (typeof type !== "string") return malformed("in-toto statement: _type is missing");
  if (!inTotoStatementTypes.includes(type)) return unsupported(`in-toto statement type ${JSON.stringify(type)} is not accepted`);
  if (typeof json["predicateType"] !== "string") return malformed("in-toto statement: predicateType is missing");
  const subject = json["subject"];
  if (!Array.isArray(subject) || subject.length === 0) return malformed("in-toto statement: subject is missing or empty");
  const subjects: PayloadSubject[] = [];
  for (const [index, entry] of subject.entries()) {
    if (!isObject(entry) || !isObject(entry["digest"])) return malformed(`in-toto statement: subject[${index}] has no digest`);
    const name = entry["name"];
    if (name !== undefined && typeof name !== "string") return malformed(`in-toto statement: subject[${index}].name is not a string`);
    const repository = name === undefined || name === "" ? undefined : tryImage(name.replace(/^https:\/\//, ""))?.repository;
    for (const algorithm of digestAlgorithms) {
      const value = entry["digest"][algorithm];
      if (value === undefined) continue;
      const digest = typeof value === "string" ? tryDigest(`${algorithm}:${value.toLowerCase()}`) : undefined;
      if (digest === undefined) return malformed(`in-toto statement: subject[${index}].digest.${algorithm} is not valid hex`);
      subjects.push({ digest, repository, name });
    }
  }
  if (subjects.length === 0) return malformed("in-toto statement: no subject has a sha256, sha384 or sha512 digest");
  return { ok: true, payload: { kind: "in-toto-statement", bytes, json, subjects } };
}

/** Reads verified JWT claims: `sub` must be the pinned image (`registry/repo@digest`, or the https:// resource URL). */
export function readJwtClaims(bytes: Uint8Array, claims: Record<string, unknown>): PayloadResult {
  const subject = claims["sub"];
  if (typeof subject !== "string" || subject === "") return malformed("JWT: the sub claim naming the image is missing");
  const image = pinnedImageOf(subject);
  if (image === undefined) return malformed(`JWT: sub ${JSON.stringify(subject.slice(0, 200))} is not a pinned image reference`);
  return {
    ok: true,
    payload: {
      kind: "jwt-claims",
      bytes,
      json: claims,
      subjects: [{ digest: image.digest!, repository: image.repository, name: subject }],
    },
  };
}
