/**
 * @module policy/policy-documents
 *
 * Reads policy objects from manifests: multi-document YAML, JSON, and
 * `kind: List` (or `<Kind>List`) objects, as `kubectl get -o yaml` and GitOps
 * repositories produce them, and from a directory of such files.
 *
 * Every document is accounted for:
 * - a policy kind of `kritis.grafeas.io` is parsed, and each of its problems is
 *   reported with file, document number, list item, object and field path;
 * - an unrelated kind (a ConfigMap next to the policies, a Kritis
 *   `VulnzSigningPolicy` file) is skipped with a note;
 * - a document that is not valid YAML/JSON, is not an object, or has no
 *   `apiVersion`/`kind`, is a problem for every namespace (see policy/policy-set):
 *   what it was meant to protect cannot be known, so nothing is assumed.
 * Empty documents (a trailing `---`, comments only) are skipped silently.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { readManifestDocuments } from "../manifests/read-documents.js";
import { failedPrecondition, invalidArgument } from "../errors.js";
import { parseAttestationAuthority } from "./crds/attestation-authority.js";
import { parseGenericAttestationPolicy } from "./crds/generic-attestation-policy.js";
import { parseImageSecurityPolicy } from "./crds/image-security-policy.js";
import { parseKritisConfig } from "./crds/kritis-config.js";
import type { ParseResult, PolicyKind, ReadOptions } from "./crds/kritis-api.js";
import { isPolicyKind, kritisGroup, namespaceNameProblem } from "./crds/kritis-api.js";
import { isJsonObject } from "./crds/field-reader.js";
import type {
  CollectedPolicies,
  PolicyEntry,
  PolicyNote,
  PolicyObject,
  PolicyOrigin,
  PolicyProblem,
  PolicySet,
} from "./policy-set.js";
import { assemblePolicySet, describeOrigin, policyProblem } from "./policy-set.js";

const parsers: Readonly<Record<PolicyKind, (object: unknown, options: ReadOptions) => ParseResult<PolicyObject>>> = {
  AttestationAuthority: parseAttestationAuthority,
  GenericAttestationPolicy: parseGenericAttestationPolicy,
  ImageSecurityPolicy: parseImageSecurityPolicy,
  KritisConfig: parseKritisConfig,
};

class Collector implements CollectedPolicies {
  readonly objects: PolicyEntry[] = [];
  readonly problems: PolicyProblem[] = [];
  readonly notes: PolicyNote[] = [];

  constructor(private readonly options: ReadOptions) {}

  /** A problem that cannot be attributed to a namespace. */
  everywhere(origin: PolicyOrigin, description: string): void {
    this.problems.push(policyProblem(origin, undefined, undefined, undefined, description));
  }

  note(origin: PolicyOrigin, message: string): void {
    this.notes.push({ origin, message: `${describeOrigin(origin)}: ${message}` });
  }

  /** One decoded document or list item. */
  add(value: unknown, origin: PolicyOrigin): void {
    if (!isJsonObject(value)) {
      this.everywhere(origin, `not a Kubernetes object (a ${Array.isArray(value) ? "list" : typeof value} value)`);
      return;
    }
    const apiVersion = value["apiVersion"];
    const kind = value["kind"];
    if (typeof apiVersion !== "string" || apiVersion === "" || typeof kind !== "string" || kind === "") {
      this.everywhere(origin, "not a Kubernetes object (apiVersion and kind are required)");
      return;
    }
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
    if (kind === "List" || (kind.endsWith("List") && group === kritisGroup)) {
      this.addList(value, origin, kind);
      return;
    }
    if (group !== kritisGroup) {
      this.note(origin, `${kind} (${apiVersion}) is not a policy kind; ignored`);
      return;
    }
    if (!isPolicyKind(kind)) {
      this.note(origin, `${kind} is not read by the admission webhook; ignored`);
      return;
    }
    const result = parsers[kind](value, this.options);
    if (result.ok) {
      this.objects.push({ origin, value: result.value });
      for (const note of result.notes) this.note(origin, note);
      return;
    }
    const namespace = kind === "KritisConfig" ? undefined : result.identity.namespace;
    for (const violation of result.violations) {
      this.problems.push(policyProblem(origin, result.identity, namespace, violation.field, violation.description));
    }
  }

  private addList(value: Record<string, unknown>, origin: PolicyOrigin, kind: string): void {
    const items = value["items"];
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) {
      this.everywhere(origin, `${kind}: items must be a list`);
      return;
    }
    items.forEach((item: unknown, index) => {
      const itemPath = origin.itemPath === undefined ? `items[${index}]` : `${origin.itemPath}.items[${index}]`;
      this.add(item, { ...origin, itemPath });
    });
  }
}

/**
 * Reads every policy object in a manifest. `sourceName` labels messages (a
 * file name); when it ends in `.json` the text is read as one JSON value,
 * otherwise as (multi-document) YAML, of which JSON is also a subset.
 */
export function parsePolicyDocuments(
  text: string,
  sourceName: string,
  options: ReadOptions = {},
): CollectedPolicies {
  const collector = new Collector(options);
  for (const document of readManifestDocuments(text, sourceName)) {
    const origin: PolicyOrigin =
      document.documentNumber === undefined ? { source: sourceName } : { source: sourceName, documentNumber: document.documentNumber };
    if (document.problem !== undefined) collector.everywhere(origin, document.problem);
    else collector.add(document.value, origin);
  }
  return collector;
}

/**
 * Reads already-decoded objects (a list fetched from the Kubernetes API, for
 * instance); `sourceName` labels messages and each object's position is its
 * `itemPath`.
 */
export function collectPolicyObjects(
  objects: readonly unknown[],
  sourceName: string,
  options: ReadOptions = {},
): CollectedPolicies {
  const collector = new Collector(options);
  objects.forEach((object, index) => collector.add(object, { source: sourceName, itemPath: `items[${index}]` }));
  return collector;
}

const manifestFile = /\.(?:ya?ml|json)$/i;

/**
 * Loads every `*.yaml`, `*.yml` and `*.json` file of a directory (not its
 * subdirectories) in name order, and assembles the policy set. Names starting
 * with `.` are skipped: a mounted ConfigMap keeps its previous versions in
 * hidden `..<timestamp>` directories next to the visible symlinks.
 *
 * Throws FAILED_PRECONDITION when the directory or a file cannot be read: an
 * unreadable policy source must stop the caller, not look like "no policies".
 */
export async function loadPolicyDirectory(directory: string, options: ReadOptions = {}): Promise<PolicySet> {
  if (options.defaultNamespace !== undefined) {
    const why = namespaceNameProblem(options.defaultNamespace);
    if (why !== undefined) throw invalidArgument(`default namespace ${JSON.stringify(options.defaultNamespace)} ${why}`);
  }
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    throw failedPrecondition(`policy directory ${directory} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  const sources: CollectedPolicies[] = [];
  for (const name of names.filter((n) => !n.startsWith(".") && manifestFile.test(n)).sort()) {
    const path = join(directory, name);
    let text: string;
    try {
      if (!(await stat(path)).isFile()) continue;
      text = await readFile(path, "utf8");
    } catch (error) {
      throw failedPrecondition(`policy file ${name} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
    }
    sources.push(parsePolicyDocuments(text, name, options));
  }
  return assemblePolicySet(sources);
}
