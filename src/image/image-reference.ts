/**
 * @module image/image-reference
 *
 * Container image references, parsed and normalised the way the container
 * runtime (and the distribution/reference grammar) does: `nginx` means
 * `docker.io/library/nginx`, `index.docker.io` is `docker.io`, a registry may
 * carry a port, and a reference may carry a tag, a digest or both (the runtime
 * then pulls by digest and ignores the tag).
 *
 * Policy decisions and signature checks compare normalised references only, so
 * `nginx@sha256:…` in a pod and `docker.io/library/nginx@sha256:…` in a signed
 * payload name the same image.
 */
import { invalidArgument } from "../errors.js";

export interface ImageReference {
  /** Registry host, with its port when one is given: `gcr.io`, `localhost:5000`, `docker.io`. */
  readonly registry: string;
  /** Repository path inside the registry: `library/nginx`, `hightowerlabs/payment`. */
  readonly path: string;
  /** `registry/path`: the repository, with no tag and no digest. */
  readonly repository: string;
  readonly tag?: string | undefined;
  /** `algorithm:hex`, e.g. `sha256:aba48d60…`. */
  readonly digest?: string | undefined;
}

export const defaultRegistry = "docker.io";
const maxNameLength = 255;

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const hostComponent = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const ipv6Host = /^\[[0-9a-fA-F:.]+\]$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPatterns: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};

function invalid(reference: string, why: string) {
  return invalidArgument(`invalid image reference ${JSON.stringify(reference)}: ${why}`);
}

function isRegistry(candidate: string): boolean {
  return candidate.includes(".") || candidate.includes(":") || candidate === "localhost";
}

function validRegistry(registry: string): boolean {
  const portAt = registry.lastIndexOf(":");
  const hasPort = portAt > 0 && !registry.endsWith("]");
  const host = hasPort ? registry.slice(0, portAt) : registry;
  const port = hasPort ? registry.slice(portAt + 1) : undefined;
  if (port !== undefined && !/^[0-9]{1,5}$/.test(port)) return false;
  if (ipv6Host.test(host)) return true;
  return host.split(".").every((c) => hostComponent.test(c));
}

/** Checks a digest string (`sha256:<64 hex>`); returns it unchanged. */
export function parseDigest(digest: string, reference = digest): string {
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon);
  const pattern = digestPatterns[algorithm];
  if (colon < 0 || pattern === undefined) {
    throw invalid(reference, "a digest must be sha256:, sha384: or sha512: followed by hex");
  }
  if (!pattern.test(digest.slice(colon + 1))) {
    throw invalid(reference, `the ${algorithm} digest must be lowercase hex of the right length`);
  }
  return digest;
}

/** Parses and normalises an image reference; throws INVALID_ARGUMENT with the reason. */
export function parseImageReference(reference: string): ImageReference {
  if (reference.length === 0) throw invalid(reference, "it is empty");
  if (reference !== reference.trim()) throw invalid(reference, "it has surrounding white space");

  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = parseDigest(rest.slice(at + 1), reference);
    rest = rest.slice(0, at);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(reference, `tag ${JSON.stringify(tag)} is not valid`);
  }

  const slash = rest.indexOf("/");
  const first = slash < 0 ? "" : rest.slice(0, slash);
  let registry: string;
  let path: string;
  if (slash >= 0 && isRegistry(first)) {
    registry = first;
    path = rest.slice(slash + 1);
    if (!validRegistry(registry)) {
      throw invalid(reference, `registry ${JSON.stringify(registry)} is not a valid host[:port]`);
    }
  } else {
    registry = defaultRegistry;
    path = rest;
  }
  if (registry === "index.docker.io" || registry === "registry-1.docker.io") {
    registry = defaultRegistry;
  }
  if (registry === defaultRegistry && path.length > 0 && !path.includes("/")) {
    path = `library/${path}`;
  }

  if (path.length === 0) throw invalid(reference, "the repository name is empty");
  for (const component of path.split("/")) {
    if (!pathComponent.test(component)) {
      throw invalid(
        reference,
        /[A-Z]/.test(component)
          ? "repository names must be lowercase"
          : `repository component ${JSON.stringify(component)} is not valid`,
      );
    }
  }
  const repository = `${registry}/${path}`;
  if (repository.length > maxNameLength) {
    throw invalid(reference, `the repository name is longer than ${maxNameLength} characters`);
  }
  return { registry, path, repository, tag, digest };
}

/** The normalised reference: `registry/path[:tag][@digest]`. */
export function formatImageReference(image: ImageReference): string {
  const tag = image.tag === undefined ? "" : `:${image.tag}`;
  const digest = image.digest === undefined ? "" : `@${image.digest}`;
  return `${image.repository}${tag}${digest}`;
}

/**
 * The canonical reference of an image pinned by digest, `registry/path@digest`,
 * with any tag dropped (the runtime pulls by digest). Undefined for tag-only references.
 */
export function pinnedReference(image: ImageReference): string | undefined {
  return image.digest === undefined ? undefined : `${image.repository}@${image.digest}`;
}

/** The Grafeas resource URI of a pinned image: `https://registry/path@digest`. */
export function resourceUriOf(image: ImageReference): string | undefined {
  const pinned = pinnedReference(image);
  return pinned === undefined ? undefined : `https://${pinned}`;
}
