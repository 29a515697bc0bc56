/**
 * @module admission/admission-input
 *
 * What the engine reviews: the parts of an AdmissionReview request it needs,
 * independent of the wire (the webhook builds it from `admission.k8s.io/v1`
 * or `v1beta1`; `scriba check` from manifest files, as a CREATE).
 *
 * The namespace is the request's, else the object's `metadata.namespace`,
 * else `default` (what `kubectl apply` would use for a manifest without one).
 */
import type { ObjectReference } from "../policy/decision.js";
import type { GroupKind } from "../policy/workload-images.js";

export interface AdmissionInput {
  /** `request.uid`; only carried through to logs. */
  readonly uid?: string | undefined;
  /** `CREATE`, `UPDATE`, `DELETE` or `CONNECT`; only CREATE and UPDATE are reviewed. */
  readonly operation: string;
  /** `request.kind` without the version. */
  readonly kind: GroupKind;
  /** `request.subResource` (`ephemeralcontainers` for `kubectl debug`). */
  readonly subResource?: string | undefined;
  readonly namespace?: string | undefined;
  /** `request.name`; the object's `metadata.name` is used when absent. */
  readonly name?: string | undefined;
  readonly object: unknown;
  /** UPDATE only: the object before the change. */
  readonly oldObject?: unknown;
  /** `request.dryRun`: decide, but cause no side effects (no attestation or record is stored). */
  readonly dryRun?: boolean | undefined;
  /** `request.resource` (`{group: "apps", version: "v1", resource: "deployments"}`), for naming the object in records. */
  readonly resource?: { readonly group: string; readonly version: string; readonly resource: string } | undefined;
  /** `request.userInfo.username`: who asked, for deployment records. */
  readonly user?: string | undefined;
}

export const defaultNamespace = "default";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** `metadata` of an object (or of a pod template), when it is an object. */
export function metadataOf(object: unknown): Json | undefined {
  const metadata = isObject(object) ? object["metadata"] : undefined;
  return isObject(metadata) ? metadata : undefined;
}

/** The string value under `key` in `metadata.annotations` or `metadata.labels`, if there is one. */
export function metadataString(metadata: Json | undefined, field: "annotations" | "labels", key: string): string | undefined {
  const map = metadata?.[field];
  if (!isObject(map) || !Object.hasOwn(map, key)) return undefined;
  const value = map[key];
  return typeof value === "string" ? value : undefined;
}

/** The object at a dotted path (`spec.template`), when every step is an object. */
export function objectAt(root: unknown, path: string): Json | undefined {
  let node: unknown = root;
  for (const segment of path === "" ? [] : path.split(".")) {
    node = isObject(node) ? node[segment] : undefined;
  }
  return isObject(node) ? node : undefined;
}

export function namespaceOf(input: AdmissionInput): string {
  return text(input.namespace) ?? text(metadataOf(input.object)?.["namespace"]) ?? defaultNamespace;
}

/** How messages name the object: kind, namespace, name (or generateName for a CREATE without a name). */
export function objectReferenceOf(input: AdmissionInput): ObjectReference {
  const metadata = metadataOf(input.object) ?? metadataOf(input.oldObject);
  return {
    kind: input.kind.kind,
    namespace: namespaceOf(input),
    name: text(input.name) ?? text(metadata?.["name"]),
    generateName: text(metadata?.["generateName"]),
  };
}
