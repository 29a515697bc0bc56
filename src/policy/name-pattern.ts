/**
 * @module policy/name-pattern
 *
 * Image name patterns, as Binary Authorization's `admissionWhitelistPatterns`
 * and Kritis' `admissionAllowlistPatterns[].namePattern` define them:
 *
 * - no wildcard: the image must be exactly this reference;
 * - a trailing `*`: any suffix that contains no further `/`
 *   (`gcr.io/p/nginx*` matches `gcr.io/p/nginx:1.25` and `gcr.io/p/nginx-x@sha256:…`,
 *   not `gcr.io/p/nginx/sidecar`);
 * - a trailing `**`: any suffix at all, `/` included (Binary Authorization;
 *   Kritis only knew `*`).
 *
 * A `*` anywhere but at the end is rejected, as Binary Authorization does.
 *
 * Both sides are normalised the way the container runtime reads an image name
 * before they are compared (`nginx*` means `docker.io/library/nginx*`,
 * `index.docker.io/x/*` means `docker.io/x/*`), so a pattern cannot be dodged
 * by spelling the same image differently in the pod. Kritis compared the raw
 * strings; for fully qualified names, which is what its test table and the
 * Binary Authorization examples use, the result is the same.
 *
 * Tags and digests are part of the compared string, as in Kritis:
 * `gcr.io/p/app:*` matches any tag, `gcr.io/p/app@sha256:*` any digest,
 * `gcr.io/p/app` only the untagged name. An image written with both a tag and
 * a digest (`app:1.2@sha256:…`) is also compared in its pinned form
 * (`app@sha256:…`), because the runtime pulls the digest and ignores the tag:
 * a pattern naming the digest covers it whatever tag decorates it. The
 * reverse is deliberately not done: `app:1.2` does not cover
 * `app:1.2@sha256:<anything>`, since the tag in such a reference is only a
 * label and says nothing about which image the digest names.
 *
 * An image that is not a valid reference matches no pattern.
 */
import { invalidArgument } from "../errors.js";
import {
  defaultRegistry,
  formatImageReference,
  parseImageReference,
  pinnedReference,
} from "../image/image-reference.js";
import type { ImageReference } from "../image/image-reference.js";

/** How the end of a pattern matches. */
export type NamePatternWildcard = "none" | "*" | "**";

export interface NamePattern {
  /** The pattern as written in the policy. */
  readonly pattern: string;
  readonly wildcard: NamePatternWildcard;
  /**
   * The normalised fixed part(s) of the pattern. Usually one; a `**` pattern
   * on Docker Hub whose fixed part has no `/` (`docker.io/ngin**`) needs two,
   * because the runtime files single-segment names under `library/`.
   */
  readonly prefixes: readonly string[];
}

// The characters an image reference may contain (IPv6 registries use brackets).
const referenceCharacters = /^[A-Za-z0-9._:/@[\]-]*$/;

/** Why a pattern is invalid, or undefined when it is valid. */
export function namePatternProblem(pattern: string): string | undefined {
  try {
    parseNamePattern(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Parses and normalises a pattern; throws INVALID_ARGUMENT with the reason. */
export function parseNamePattern(pattern: string): NamePattern {
  if (pattern.length === 0) throw invalidArgument("a name pattern must not be empty");
  let wildcard: NamePatternWildcard = "none";
  let fixed = pattern;
  if (pattern.endsWith("**")) {
    wildcard = "**";
    fixed = pattern.slice(0, -2);
  } else if (pattern.endsWith("*")) {
    wildcard = "*";
    fixed = pattern.slice(0, -1);
  }
  if (fixed.includes("*")) {
    throw invalidArgument(
      `name pattern ${JSON.stringify(pattern)} has a wildcard before its end; only a trailing * or ** is allowed`,
    );
  }
  if (!referenceCharacters.test(fixed)) {
    throw invalidArgument(
      `name pattern ${JSON.stringify(pattern)} contains characters that no image reference can contain`,
    );
  }
  if (wildcard === "none") {
    let image: ImageReference;
    try {
      image = parseImageReference(pattern);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw invalidArgument(`name pattern ${JSON.stringify(pattern)} can never match: ${why}`);
    }
    return { pattern, wildcard, prefixes: [formatImageReference(image)] };
  }
  if (fixed.length === 0) {
    if (wildcard === "*") {
      throw invalidArgument(
        'name pattern "*" matches no image (every image name contains a /); use "**" to match every image',
      );
    }
    return { pattern, wildcard, prefixes: [""] };
  }
  return { pattern, wildcard, prefixes: normalisePrefix(fixed, wildcard) };
}

// The same registry test the runtime (and image-reference.ts) applies to the
// first path segment: a dot, a port or "localhost" makes it a host.
function isRegistry(segment: string): boolean {
  return segment.includes(".") || segment.includes(":") || segment === "localhost";
}

function canonicalRegistry(registry: string): string {
  return registry === "index.docker.io" || registry === "registry-1.docker.io"
    ? defaultRegistry
    : registry;
}

function normalisePrefix(fixed: string, wildcard: "*" | "**"): string[] {
  const slash = fixed.indexOf("/");
  const first = slash < 0 ? "" : fixed.slice(0, slash);
  const [registry, rest] =
    slash >= 0 && isRegistry(first)
      ? [canonicalRegistry(first), fixed.slice(slash + 1)]
      : [defaultRegistry, fixed];
  if (registry !== defaultRegistry || rest.includes("/")) return [`${registry}/${rest}`];
  // A Docker Hub name with a single path segment lives under library/. With
  // `*` (no further `/`) that is the only reading; `**` may also reach
  // multi-segment names, so both spellings are kept.
  const library = `${registry}/library/${rest}`;
  return wildcard === "*" ? [library] : [library, `${registry}/${rest}`];
}

/**
 * The candidates of each image string seen, a pure function of the text:
 * admission matches the same few images against allowlists on every review.
 * Bounded: emptied when full.
 */
const candidatesByImage = new Map<string, readonly string[]>();
const maxCandidates = 4096;

/** The normalised strings an image is compared under (see the module comment). */
function candidatesOf(image: string | ImageReference): readonly string[] {
  if (typeof image !== "string") return candidatesOfReference(image);
  const known = candidatesByImage.get(image);
  if (known !== undefined) return known;
  let candidates: readonly string[];
  try {
    candidates = candidatesOfReference(parseImageReference(image));
  } catch {
    candidates = [];
  }
  if (candidatesByImage.size >= maxCandidates) candidatesByImage.clear();
  candidatesByImage.set(image, candidates);
  return candidates;
}

function candidatesOfReference(parsed: ImageReference): readonly string[] {
  const full = formatImageReference(parsed);
  const pinned = pinnedReference(parsed);
  return pinned === undefined || pinned === full ? [full] : [full, pinned];
}

function matchesCandidate(candidate: string, pattern: NamePattern): boolean {
  return pattern.prefixes.some((prefix) => {
    switch (pattern.wildcard) {
      case "none":
        return candidate === prefix;
      case "**":
        return candidate.startsWith(prefix);
      case "*":
        return candidate.startsWith(prefix) && !candidate.slice(prefix.length).includes("/");
    }
  });
}

/**
 * Whether an image (as written in a workload, or already parsed) matches a
 * pattern. A pattern given as a string is parsed first and an invalid one
 * throws INVALID_ARGUMENT; policies hold parsed patterns, so this only
 * happens for ad-hoc calls.
 */
export function matchesNamePattern(
  image: string | ImageReference,
  pattern: NamePattern | string,
): boolean {
  const parsedPattern = typeof pattern === "string" ? parseNamePattern(pattern) : pattern;
  return candidatesOf(image).some((candidate) => matchesCandidate(candidate, parsedPattern));
}

/** The first pattern that matches the image, for messages that say why it was allowed. */
export function firstMatchingPattern(
  image: string | ImageReference,
  patterns: readonly NamePattern[],
): NamePattern | undefined {
  if (patterns.length === 0) return undefined;
  const candidates = candidatesOf(image);
  return patterns.find((pattern) =>
    candidates.some((candidate) => matchesCandidate(candidate, pattern)),
  );
}
