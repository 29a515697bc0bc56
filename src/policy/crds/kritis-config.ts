/**
 * @module policy/crds/kritis-config
 *
 * KritisConfig (cluster-scoped; Kritis' name): how the admission webhook
 * behaves where no policy speaks. At most one may exist (Kritis refused to
 * start with two; here two make the policy set invalid, which denies in every
 * namespace with a message saying so). Without one, every field takes its
 * default.
 *
 * ```yaml
 * apiVersion: kritis.grafeas.io/v1beta1
 * kind: KritisConfig
 * metadata: {name: kritis-config}
 * spec:
 *   noPolicyDefault: DENY
 *   imageAllowlist: [registry.k8s.io/**]
 *   vulnerabilityProjects: [kritis, scanner]
 *   metadataFailurePolicy: Fail
 *   exemptNamespaces: [kube-system]
 *   allowBreakglass: true
 * ```
 *
 * | field | default | meaning |
 * |---|---|---|
 * | `noPolicyDefault` | `ALLOW` | What happens to images in a namespace that has no GenericAttestationPolicy and no ImageSecurityPolicy: `ALLOW` admits them, `DENY` denies them. The default is Kritis' ("no policies means allow") and Binary Authorization's out-of-the-box policy, so installing the webhook does not stop every namespace, `kube-system` included, before any policy is written; clusters that must prove "every image is checked" set `DENY` together with `imageAllowlist` for system images. |
 * | `imageAllowlist` | `[]` | Name patterns (policy/name-pattern) admitted in every namespace without any check: the cluster's own components, the webhook itself. Kritis hard-coded its own images here. |
 * | `vulnerabilityProjects` | `["kritis"]` | The Grafeas projects whose VULNERABILITY occurrences ImageSecurityPolicies judge (Kritis read project `kritis` only). Project IDs, or `projects/P`. Never empty: no project would mean no findings, and every image would pass. |
 * | `metadataFailurePolicy` | `Fail` | When the metadata server cannot be reached or answers with an error: `Fail` denies the images whose check needed it, `Ignore` admits them with a warning. Spelled like a webhook's `failurePolicy`. |
 * | `exemptNamespaces` | `[]` | Namespaces never reviewed, in addition to the webhook's `namespaceSelector` (label `kritis-validation: disabled`). Leave the webhook's own namespace and `kube-system` out of review in one of the two ways, or the cluster cannot restart the webhook when it is down. |
 * | `allowBreakglass` | `true` | Whether the `kritis.grafeas.io/breakglass` annotation admits an object that policy would deny. Every use is recorded as a warning and an audit annotation. |
 *
 * Kritis' own fields (`metadataBackend`, `cronInterval`, `serverAddr`,
 * `grafeas.addr`) are accepted so that an existing KritisConfig still loads;
 * they configure Kritis' process and are ignored here, with a note.
 */
import type { NamePattern } from "../name-pattern.js";
import { namePatternProblem, parseNamePattern } from "../name-pattern.js";
import { parseProjectName, isValidId } from "../../grafeas/resource-names.js";
import { FieldReader } from "./field-reader.js";
import type { ParseResult, ReadOptions } from "./kritis-api.js";
import { namespaceNameProblem, parseResult, readEnvelope, unreadableObject } from "./kritis-api.js";

export const noPolicyDefaults = ["ALLOW", "DENY"] as const;
export type NoPolicyDefault = (typeof noPolicyDefaults)[number];

export const metadataFailurePolicies = ["Fail", "Ignore"] as const;
export type MetadataFailurePolicy = (typeof metadataFailurePolicies)[number];

/** The effective configuration, defaults applied. */
export interface KritisConfigSpec {
  readonly noPolicyDefault: NoPolicyDefault;
  readonly imageAllowlist: readonly NamePattern[];
  /** Project IDs (without `projects/`). */
  readonly vulnerabilityProjects: readonly string[];
  readonly metadataFailurePolicy: MetadataFailurePolicy;
  readonly exemptNamespaces: readonly string[];
  readonly allowBreakglass: boolean;
}

export interface KritisConfig {
  readonly kind: "KritisConfig";
  readonly name: string;
  readonly spec: KritisConfigSpec;
}

export const defaultKritisConfigSpec: KritisConfigSpec = {
  noPolicyDefault: "ALLOW",
  imageAllowlist: [],
  vulnerabilityProjects: ["kritis"],
  metadataFailurePolicy: "Fail",
  exemptNamespaces: [],
  allowBreakglass: true,
};

const kritisOnlyFields = ["metadataBackend", "cronInterval", "serverAddr", "grafeas"] as const;

function projectProblem(value: string): string | undefined {
  if (value.startsWith("projects/")) {
    try {
      parseProjectName(value);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
  return isValidId(value) ? undefined : "must be a Grafeas project ID (or projects/ID)";
}

export function parseKritisConfig(object: unknown, options: ReadOptions = {}): ParseResult<KritisConfig> {
  const reader = new FieldReader();
  const root = reader.object(object, "object", true);
  if (root === undefined) return unreadableObject(reader, "KritisConfig");
  const identity = readEnvelope(reader, root, "KritisConfig", false, options);
  const spec = reader.object(root["spec"], "spec", false) ?? {};
  reader.knownFields(
    spec,
    "spec",
    [
      "noPolicyDefault",
      "imageAllowlist",
      "vulnerabilityProjects",
      "metadataFailurePolicy",
      "exemptNamespaces",
      "allowBreakglass",
      ...kritisOnlyFields,
    ],
    { failurePolicy: "metadataFailurePolicy", imageWhitelist: "imageAllowlist", defaultAdmission: "noPolicyDefault" },
  );
  const defaults = defaultKritisConfigSpec;
  const noPolicyDefault =
    reader.choice(spec["noPolicyDefault"], "spec.noPolicyDefault", noPolicyDefaults) ?? defaults.noPolicyDefault;
  const allowlist =
    reader.stringList(spec["imageAllowlist"], "spec.imageAllowlist", false, { check: namePatternProblem }) ?? [];
  const projects = reader.stringList(spec["vulnerabilityProjects"], "spec.vulnerabilityProjects", false, {
    minItems: 1,
    check: projectProblem,
  });
  const metadataFailurePolicy =
    reader.choice(spec["metadataFailurePolicy"], "spec.metadataFailurePolicy", metadataFailurePolicies) ??
    defaults.metadataFailurePolicy;
  const exemptNamespaces =
    reader.stringList(spec["exemptNamespaces"], "spec.exemptNamespaces", false, { check: namespaceNameProblem }) ??
    defaults.exemptNamespaces;
  const allowBreakglass = reader.boolean(spec["allowBreakglass"], "spec.allowBreakglass") ?? defaults.allowBreakglass;

  const notes: string[] = [];
  for (const field of kritisOnlyFields) {
    const value = spec[field];
    if (value === undefined || value === null) continue;
    if (field === "grafeas") {
      const grafeas = reader.object(value, "spec.grafeas", false);
      if (grafeas !== undefined) {
        reader.knownFields(grafeas, "spec.grafeas", ["addr"]);
        reader.string(grafeas["addr"], "spec.grafeas.addr", false);
      }
    } else {
      reader.string(value, `spec.${field}`, false);
    }
    notes.push(`spec.${field} configures the Kritis server process and is ignored here`);
  }

  return parseResult(
    reader,
    identity,
    () => ({
      kind: "KritisConfig",
      name: identity.name as string,
      spec: {
        noPolicyDefault,
        imageAllowlist: allowlist.map(parseNamePattern),
        vulnerabilityProjects:
          projects?.map((p) => (p.startsWith("projects/") ? parseProjectName(p) : p)) ??
          defaults.vulnerabilityProjects,
        metadataFailurePolicy,
        exemptNamespaces,
        allowBreakglass,
      },
    }),
    notes,
  );
}
