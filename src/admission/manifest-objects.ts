/**
 * @module admission/manifest-objects
 *
 * Reads Kubernetes manifests for `scriba check`: multi-document YAML, JSON,
 * and `kind: List` (or `<Kind>List`) objects, as `kubectl get -o yaml`,
 * `helm template` and `kustomize build` write them. Each object becomes the
 * AdmissionInput of a CREATE in its namespace (`metadata.namespace`, else
 * the given default), so CI judges a manifest exactly as the webhook would
 * judge its creation.
 *
 * A document that is not valid YAML/JSON, or is not an object with
 * `apiVersion` and `kind`, is a problem: nothing in it can be judged, and
 * `scriba check` refuses to call such input "admitted". Empty documents are
 * skipped silently.
 */
import { readManifestDocuments } from "../manifests/read-documents.js";
import type { GroupKind } from "../policy/workload-images.js";
import { isReviewedWorkload } from "../policy/workload-images.js";
import type { AdmissionInput } from "./admission-input.js";
import { metadataOf } from "./admission-input.js";

export interface ManifestOrigin {
  readonly source: string;
  /** 1-based document number in a YAML stream. */
  readonly document?: number | undefined;
  /** `items[2]` inside a List. */
  readonly item?: string | undefined;
}

export interface ManifestObject {
  readonly origin: ManifestOrigin;
  readonly kind: GroupKind;
  readonly apiVersion: string;
  readonly name: string | undefined;
  readonly namespace: string;
  /** False for kinds that carry no pod spec (they are reported as skipped). */
  readonly reviewed: boolean;
  readonly input: AdmissionInput;
}

export interface ManifestRead {
  readonly objects: readonly ManifestObject[];
  /** `deploy.yaml document 3: not valid YAML: …`. */
  readonly problems: readonly string[];
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function describeManifestOrigin(origin: ManifestOrigin): string {
  const document = origin.document === undefined ? "" : ` document ${origin.document}`;
  const item = origin.item === undefined ? "" : ` ${origin.item}`;
  return `${origin.source}${document}${item}`;
}

class Reader {
  readonly objects: ManifestObject[] = [];
  readonly problems: string[] = [];

  constructor(private readonly defaultNamespace: string) {}

  problem(origin: ManifestOrigin, why: string): void {
    this.problems.push(`${describeManifestOrigin(origin)}: ${why}`);
  }

  add(value: unknown, origin: ManifestOrigin): void {
    if (!isObject(value)) {
      this.problem(origin, `not a Kubernetes object (a ${Array.isArray(value) ? "list" : typeof value} value)`);
      return;
    }
    const apiVersion = value["apiVersion"];
    const kind = value["kind"];
    if (typeof apiVersion !== "string" || apiVersion === "" || typeof kind !== "string" || kind === "") {
      this.problem(origin, "not a Kubernetes object (apiVersion and kind are required)");
      return;
    }
    if (kind === "List" || (kind.endsWith("List") && Array.isArray(value["items"]))) {
      const items = value["items"];
      if (items === undefined || items === null) return;
      if (!Array.isArray(items)) {
        this.problem(origin, `${kind}: items must be a list`);
        return;
      }
      items.forEach((item: unknown, index) => {
        const path = origin.item === undefined ? `items[${index}]` : `${origin.item}.items[${index}]`;
        this.add(item, { ...origin, item: path });
      });
      return;
    }
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
    const metadata = metadataOf(value);
    const namespaceField = metadata?.["namespace"];
    const nameField = metadata?.["name"];
    const namespace = typeof namespaceField === "string" && namespaceField !== "" ? namespaceField : this.defaultNamespace;
    const name = typeof nameField === "string" && nameField !== "" ? nameField : undefined;
    const groupKind = { group, kind };
    this.objects.push({
      origin,
      kind: groupKind,
      apiVersion,
      name,
      namespace,
      reviewed: isReviewedWorkload(groupKind),
      input: { operation: "CREATE", kind: groupKind, namespace, name, object: value, dryRun: true },
    });
  }
}

/** Reads one manifest file's text; `.json` files are one JSON value, anything else (multi-document) YAML. */
export function readManifestObjects(text: string, source: string, defaultNamespace: string): ManifestRead {
  const reader = new Reader(defaultNamespace);
  for (const document of readManifestDocuments(text, source)) {
    const origin: ManifestOrigin =
      document.documentNumber === undefined ? { source } : { source, document: document.documentNumber };
    if (document.problem !== undefined) reader.problem(origin, document.problem);
    else reader.add(document.value, origin);
  }
  return reader;
}
