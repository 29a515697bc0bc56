/**
 * @module cli/image-attestations
 *
 * What `scriba sign` and `scriba verify` share: the image argument, which
 * must be pinned by digest, and the attestation occurrences of one image on
 * one note.
 *
 * The lookup asks the server for the canonical resource URI
 * (`https://registry/path@digest`) and the same reference without the scheme
 * (the 2017 walkthrough wrote that), then compares what comes back after
 * normalisation, so a server that ignores filters (upstream Grafeas does)
 * cannot hand another image's attestations to the caller.
 */
import type { GrafeasRestClient } from "../client/grafeas-rest-client.js";
import { invalidArgument } from "../errors.js";
import { isAttestationOccurrence } from "../attest/index.js";
import type { Occurrence } from "../gen/grafeas/v1/grafeas_pb.js";
import { parseNoteName } from "../grafeas/resource-names.js";
import { type ImageReference, parseImageReference, pinnedReference } from "../image/image-reference.js";

/**
 * The `--image` argument, normalised and pinned (`registry/path@digest`, any
 * tag dropped). A tag-only reference is a usage error that says how to pin it.
 */
export function pinnedImageArgument(text: string | undefined): ImageReference {
  if (text === undefined || text === "") throw invalidArgument("--image REF@sha256:DIGEST is required");
  const image = parseImageReference(text);
  const pinned = pinnedReference(image);
  if (pinned === undefined) {
    throw invalidArgument(
      `--image ${text} names a tag, not a digest; attestations are made and checked for one exact image. ` +
        `Pin it as ${image.repository}@sha256:<digest> (the digest is what \`crane digest ${text}\` or ` +
        `\`docker buildx imagetools inspect ${text}\` prints).`,
    );
  }
  return parseImageReference(pinned);
}

/** `projects/P/notes/N`, whatever spelling (`…/locations/L/…`) was given. */
export function canonicalNoteName(text: string | undefined): string {
  if (text === undefined || text === "") throw invalidArgument("--note projects/PROJECT/notes/NOTE is required");
  const { project, noteId } = parseNoteName(text, "--note");
  return `projects/${project}/notes/${noteId}`;
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The pinned reference a resource URI names, `https://` or not; undefined if it names no pinned image. */
function pinnedOfResourceUri(uri: string): string | undefined {
  const bare = uri.startsWith("https://") ? uri.slice("https://".length) : uri;
  try {
    return pinnedReference(parseImageReference(bare));
  } catch {
    return undefined;
  }
}

/** The attestation occurrences of `image` on `noteName`, from every project. */
export async function attestationsForImage(
  client: GrafeasRestClient,
  noteName: string,
  image: ImageReference,
): Promise<Occurrence[]> {
  const pinned = pinnedReference(image)!;
  const filter = `(resourceUri=${quoted(`https://${pinned}`)} OR resourceUri=${quoted(pinned)})`;
  const occurrences = await client.listAllNoteOccurrences(noteName, { filter });
  return occurrences.filter(
    (occurrence) =>
      occurrence.noteName === noteName &&
      pinnedOfResourceUri(occurrence.resourceUri) === pinned &&
      isAttestationOccurrence(occurrence),
  );
}

/** Every key id an attestation occurrence's signatures name (attestation signatures and DSSE envelopes). */
export function signatureKeyIds(occurrence: Occurrence): string[] {
  const ids: string[] = [];
  const { details } = occurrence;
  if (details.case === "attestation") ids.push(...details.value.signatures.map((s) => s.publicKeyId));
  if (details.case === "dsseAttestation") ids.push(...(details.value.envelope?.signatures ?? []).map((s) => s.keyid));
  ids.push(...(occurrence.envelope?.signatures ?? []).map((s) => s.keyid));
  return ids.filter((id) => id !== "");
}
