/**
 * @module admission/resource-uris
 *
 * Which Grafeas resource URIs name a workload image, and the list filters
 * that select them.
 *
 * The Grafeas convention (Kritis, Binary Authorization, Container Analysis)
 * is `https://` + the image reference pinned by digest. Not every producer
 * follows it: the 2017 tutorial's `create_attestation.go` wrote the reference
 * without `https://` (grafeas/kritis#458: pods admitted or denied depending
 * on how a scanner spelled the URI), and a pod may spell the image
 * differently from the normalised form (`nginx@sha256:…` for
 * `docker.io/library/nginx@sha256:…`). So the engine asks for every spelling
 * at once, with one OR filter, and then compares what comes back after
 * normalisation (attest binds payloads to the normalised image; vulnerability
 * rules canonicalise resource URIs), so a spelling can neither hide nor
 * borrow metadata.
 *
 * The spellings asked for, for a pinned image:
 * - `https://registry/path@digest` (the canonical URI, first);
 * - `registry/path@digest` (no scheme);
 * - the image as written without its tag (`nginx@sha256:…`), with and
 *   without `https://`, when that differs from the canonical form.
 */
import type { ImageReference } from "../image/image-reference.js";
import { parseImageReference, pinnedReference } from "../image/image-reference.js";

/** The canonical resource URI first, then the other spellings; undefined for an unpinned image. */
export function resourceUriCandidates(written: string, reference: ImageReference): readonly string[] | undefined {
  const pinned = pinnedReference(reference);
  if (pinned === undefined) return undefined;
  const spellings = [pinned];
  const at = written.indexOf("@");
  if (at > 0) {
    const name = written.slice(0, at);
    const lastSlash = name.lastIndexOf("/");
    const colon = name.lastIndexOf(":");
    const untagged = colon > lastSlash ? name.slice(0, colon) : name;
    spellings.push(`${untagged}${written.slice(at)}`);
  }
  const uris = spellings.flatMap((s) => [`https://${s}`, s]);
  return [...new Set(uris)];
}

/** A filter string literal; image references cannot hold quotes or backslashes, but be safe. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `resourceUri="a"` or `(resourceUri="a" OR resourceUri="b")`. */
export function resourceUriFilter(uris: readonly string[]): string {
  const terms = uris.map((uri) => `resourceUri=${quoted(uri)}`);
  return terms.length === 1 ? terms[0]! : `(${terms.join(" OR ")})`;
}

/** The ListOccurrences filter for the VULNERABILITY occurrences of a resource. */
export function vulnerabilityFilter(uris: readonly string[]): string {
  return `${resourceUriFilter(uris)} AND kind="VULNERABILITY"`;
}

/** The pinned image (`registry/path@digest`) a resource URI names, in any spelling; undefined if it names none. */
export function pinnedImageOfResourceUri(uri: string): string | undefined {
  const bare = uri.startsWith("https://") ? uri.slice("https://".length) : uri;
  try {
    return pinnedReference(parseImageReference(bare));
  } catch {
    return undefined;
  }
}
