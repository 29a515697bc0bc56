/**
 * @module attest/image-binding
 *
 * Binds a verified payload to the image under review. A valid signature over
 * another image is worth nothing (the 2017 tutorial webhook never compared the
 * signed digest with the image, so any signed text admitted any image):
 *
 * - some subject of the payload must name the image's digest (DIGEST_MISMATCH);
 * - among those, one must name no repository or the image's repository,
 *   compared after normalisation, so `nginx` ≡ `docker.io/library/nginx`
 *   (REPOSITORY_MISMATCH).
 */
import { type ImageReference, pinnedReference } from "../image/image-reference.js";
import { type AttestationFailure, failure } from "./errors.js";
import type { VerifiedPayload } from "./payload.js";

/** The image's pinned reference, or IMAGE_NOT_PINNED when it has no digest. */
export function requirePinned(image: ImageReference): { ok: true; pinned: string } | { ok: false; failure: AttestationFailure } {
  const pinned = pinnedReference(image);
  return pinned === undefined
    ? { ok: false, failure: failure("IMAGE_NOT_PINNED", `${image.repository}${image.tag ? `:${image.tag}` : ""} has no digest`) }
    : { ok: true, pinned };
}

/** Undefined when the payload names this image; otherwise says which digest or repository it names instead. */
export function bindPayloadToImage(payload: VerifiedPayload, image: ImageReference): AttestationFailure | undefined {
  const pinned = requirePinned(image);
  if (!pinned.ok) return pinned.failure;
  const sameDigest = payload.subjects.filter((s) => s.digest === image.digest);
  if (sameDigest.length === 0) {
    const named = [...new Set(payload.subjects.map((s) => s.digest))].slice(0, 5).join(", ");
    return failure("DIGEST_MISMATCH", `signed for ${named}, but the image is ${image.digest}`);
  }
  if (sameDigest.some((s) => s.repository === undefined || s.repository === image.repository)) return undefined;
  const named = [...new Set(sameDigest.map((s) => s.repository))].slice(0, 5).join(", ");
  return failure("REPOSITORY_MISMATCH", `signed for ${named}, but the image is ${image.repository}`);
}
