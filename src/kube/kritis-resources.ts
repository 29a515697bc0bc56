/**
 * @module kube/kritis-resources
 *
 * Where the four policy kinds live in the Kubernetes API: their plural
 * resource names and scope, as the CRDs in `deploy/crds/` declare them. The
 * policy watcher lists and watches these paths; the fake API server used in
 * tests serves the same table, so the two cannot disagree.
 */
import type { PolicyKind } from "../policy/crds/kritis-api.js";
import { kritisGroup, kritisVersion } from "../policy/crds/kritis-api.js";

/** One API resource: enough to build its list/watch path. */
export interface ApiResource {
  /** `""` for the core group (`/api/v1`). */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export interface PolicyResource extends ApiResource {
  readonly kind: PolicyKind;
}

export const policyResources: readonly PolicyResource[] = [
  { group: kritisGroup, version: kritisVersion, plural: "attestationauthorities", kind: "AttestationAuthority", namespaced: true },
  { group: kritisGroup, version: kritisVersion, plural: "genericattestationpolicies", kind: "GenericAttestationPolicy", namespaced: true },
  { group: kritisGroup, version: kritisVersion, plural: "imagesecuritypolicies", kind: "ImageSecurityPolicy", namespaced: true },
  { group: kritisGroup, version: kritisVersion, plural: "kritisconfigs", kind: "KritisConfig", namespaced: false },
];

export const podResource: ApiResource = { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true };

/** Read one by one (GET), never listed or watched: see kube/secret-client. */
export const secretResource: ApiResource = { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true };

/** `v1`, `kritis.grafeas.io/v1beta1`. */
export function apiVersionOf(resource: ApiResource): string {
  return resource.group === "" ? resource.version : `${resource.group}/${resource.version}`;
}

/**
 * The collection path: cluster-wide (every namespace, or a cluster-scoped
 * kind) without `namespace`, one namespace with it.
 */
export function collectionPath(resource: ApiResource, namespace?: string): string {
  const root = resource.group === "" ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const scope = namespace === undefined ? "" : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${root}${scope}/${resource.plural}`;
}
