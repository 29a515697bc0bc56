/**
 * @module attest/verify-occurrence
 *
 * One grafeas.v1 `Occurrence` → its attestation verdict, whichever v1 shape
 * carries the signatures:
 *
 * - an `attestation` (AttestationOccurrence): `serialized_payload` with
 *   `signatures[]`, and `jwts[]`;
 * - an `attestation` whose signatures travel in `Occurrence.envelope` (a DSSE
 *   envelope; what `scriba sign --format dsse` writes on an ATTESTATION
 *   note). Its `serialized_payload` is a copy of the envelope's payload for
 *   readers that do not know envelopes; it is never trusted on its own, only
 *   the envelope's signatures over the envelope's own payload count;
 * - a (deprecated) `dsseAttestation`: its envelope, and `Occurrence.envelope`
 *   too when one is set.
 *
 * Every signature's result is kept, in that order; the occurrence is verified
 * when at least one signature verifies with a trusted key over a payload that
 * names the image under review.
 */
import type { Occurrence } from "../gen/grafeas/v1/grafeas_pb.js";
import type { ImageReference } from "../image/image-reference.js";
import { verifyDsseEnvelope } from "./dsse.js";
import { failure } from "./errors.js";
import type { TrustedKey } from "./trusted-key.js";
import type { AttestationVerification } from "./verification-result.js";
import { type VerifyOptions, verifyAttestationOccurrence, verifyDsseAttestationOccurrence } from "./verify-attestation.js";

/** The occurrence kinds that carry attestations. */
export function isAttestationOccurrence(occurrence: Pick<Occurrence, "details">): boolean {
  return occurrence.details.case === "attestation" || occurrence.details.case === "dsseAttestation";
}

/** Verifies every signature an attestation occurrence carries, for the image under review. */
export async function verifyOccurrenceAttestation(
  occurrence: Pick<Occurrence, "details" | "envelope">,
  image: ImageReference,
  keys: readonly TrustedKey[],
  options: VerifyOptions = {},
): Promise<AttestationVerification> {
  const parts: AttestationVerification[] = [];
  const { details, envelope } = occurrence;
  if (details.case === "attestation") {
    const own = details.value;
    if (own.signatures.length > 0 || own.jwts.length > 0 || envelope === undefined) {
      parts.push(await verifyAttestationOccurrence(own, image, keys, options));
    }
    if (envelope !== undefined) parts.push(await verifyDsseEnvelope(envelope, image, keys, options));
  } else if (details.case === "dsseAttestation") {
    parts.push(await verifyDsseAttestationOccurrence(details.value, image, keys, options));
    if (envelope !== undefined) parts.push(await verifyDsseEnvelope(envelope, image, keys, options));
  } else {
    return {
      verified: false,
      image: undefined,
      results: [],
      failure: failure("NO_SIGNATURES", `the occurrence is not an attestation (${details.case ?? "no details"})`),
    };
  }
  const results = parts.flatMap((part) => part.results);
  const pinned = parts.find((part) => part.image !== undefined)?.image;
  if (results.some((result) => result.ok)) return { verified: true, image: pinned, results };
  const rejected = results.find((result) => !result.ok);
  const reason = rejected?.ok === false ? rejected.failure : parts.find((part) => part.failure !== undefined)?.failure;
  return { verified: false, image: pinned, results, failure: reason ?? failure("NO_SIGNATURES", "the occurrence has no signatures") };
}
