/**
 * @module admission/records/object-uri
 *
 * How records name a Kubernetes object: `kubernetes://CLUSTER` followed by
 * the object's path in the Kubernetes API, so the name is unambiguous across
 * clusters and a reader can turn it into `kubectl get --raw PATH`:
 *
 *     kubernetes://prod-eu/api/v1/namespaces/shop/pods/web-7d9f-x2k4q
 *     kubernetes://prod-eu/apis/apps/v1/namespaces/shop/deployments/web
 *
 * The resource comes from the AdmissionReview's `request.resource`; without
 * it (a caller that is not the API server), the kind's lowercase plural is a
 * good enough guess for every kind the webhook reviews.
 */
import type { AdmissionInput } from "../admission-input.js";
import { metadataOf, namespaceOf } from "../admission-input.js";

/** `kubernetes://CLUSTER`. */
export function clusterUri(cluster: string): string {
  return `kubernetes://${encodeURIComponent(cluster)}`;
}

/** The object's name: the request's, else `metadata.name`, else `metadata.generateName` + `…`. */
export function objectNameOf(input: AdmissionInput): string {
  const metadata = metadataOf(input.object) ?? metadataOf(input.oldObject);
  const name = input.name ?? (typeof metadata?.["name"] === "string" && metadata["name"] !== "" ? metadata["name"] : undefined);
  if (name !== undefined) return name;
  const generate = typeof metadata?.["generateName"] === "string" ? metadata["generateName"] : "";
  return `${generate}…`;
}

/** The URI of the object a request is about (see the module comment). */
export function objectUri(cluster: string, input: AdmissionInput): string {
  const resource = input.resource ?? { group: input.kind.group, version: "v1", resource: `${input.kind.kind.toLowerCase()}s` };
  const root = resource.group === "" ? `api/${resource.version}` : `apis/${resource.group}/${resource.version}`;
  const path = [root, "namespaces", namespaceOf(input), resource.resource, objectNameOf(input)].map((part, i) =>
    i === 0 ? part : encodeURIComponent(part),
  );
  return `${clusterUri(cluster)}/${path.join("/")}`;
}

/** The URI of a pod: `kubernetes://CLUSTER/api/v1/namespaces/NS/pods/NAME`. */
export function podUri(cluster: string, namespace: string, name: string): string {
  return `${clusterUri(cluster)}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
}
