/**
 * @module policy/image-pinning
 *
 * Whether a workload image is pinned by digest, and the advice a user gets
 * when it is not. Attestations and vulnerability findings are recorded
 * against a digest (`https://registry/path@sha256:…`), so a tag alone cannot
 * be checked: the message says which reference to write instead and how to
 * find the digest, rather than only that the image is "not fully qualified".
 */
import { parseImageReference, pinnedReference } from "../image/image-reference.js";
import type { ImageReference } from "../image/image-reference.js";

/** The result of reading a workload image for policy checks. */
export type PinnedImage =
  | {
      readonly outcome: "pinned";
      readonly reference: ImageReference;
      /** `registry/path@digest`, the name attestations and findings use. */
      readonly pinned: string;
    }
  | { readonly outcome: "unpinned"; readonly reference: ImageReference; readonly message: string }
  | { readonly outcome: "invalid"; readonly message: string };

/** The denial text for an image that carries no digest. */
export function unpinnedImageMessage(image: string, reference?: ImageReference): string {
  const repository = reference?.repository ?? image.replace(/[:@].*$/, "");
  return (
    `${image} is not pinned by digest; use ${repository}@sha256:… ` +
    `(for example \`crane digest ${image}\` / \`docker buildx imagetools inspect ${image}\`)`
  );
}

/** Parses a workload image and says whether it can be checked by digest. */
export function readPinnedImage(image: string): PinnedImage {
  let reference: ImageReference;
  try {
    reference = parseImageReference(image);
  } catch (error) {
    return { outcome: "invalid", message: error instanceof Error ? error.message : String(error) };
  }
  const pinned = pinnedReference(reference);
  if (pinned === undefined) {
    return { outcome: "unpinned", reference, message: unpinnedImageMessage(image, reference) };
  }
  return { outcome: "pinned", reference, pinned };
}
