/**
 * @module policy/policy-set
 *
 * The policies of a cluster, assembled and cross-checked, ready for the
 * admission engine: per namespace, the GenericAttestationPolicies with their
 * AttestationAuthorities resolved, the ImageSecurityPolicies, and every
 * problem found on the way.
 *
 * **Invalid policies fail closed.** A policy object that does not parse, a
 * GenericAttestationPolicy naming an AttestationAuthority that does not exist
 * in its namespace, or two objects with the same kind and name, leave a
 * {@link PolicyProblem} on the namespace they belong to; the engine denies
 * every reviewed image there with "namespace X has an invalid policy: …"
 * ({@link invalidPolicyMessage}) until it is fixed. Silently skipping a broken
 * policy would admit exactly what its author meant to block.
 *
 * A problem that cannot be attributed to one namespace — a document that is
 * not valid YAML, an object without `kind` or without a namespace, an invalid
 * or duplicated KritisConfig — applies to every namespace. Exempt namespaces
 * (KritisConfig `exemptNamespaces`) stay exempt, since no policy applies to
 * them anyway, unless the KritisConfig itself is the broken part: then the
 * exemptions are unknown too, and nothing is exempt.
 */
import type { AttestationAuthority } from "./crds/attestation-authority.js";
import type { GenericAttestationPolicy } from "./crds/generic-attestation-policy.js";
import type { ImageSecurityPolicy } from "./crds/image-security-policy.js";
import type { KritisConfig, KritisConfigSpec } from "./crds/kritis-config.js";
import { defaultKritisConfigSpec } from "./crds/kritis-config.js";
import type { ObjectIdentity } from "./crds/kritis-api.js";
import { describeObject } from "./crds/kritis-api.js";

export type PolicyObject =
  | AttestationAuthority
  | GenericAttestationPolicy
  | ImageSecurityPolicy
  | KritisConfig;

/** Where an object came from, for messages. */
export interface PolicyOrigin {
  /** A file name, or another label for where the objects were read (`kubernetes-api`). */
  readonly source: string;
  /** 1-based position of the YAML document in the file, when there is more than one possible. */
  readonly documentNumber?: number | undefined;
  /** `items[3]` for an object inside a `kind: List`. */
  readonly itemPath?: string | undefined;
}

export interface PolicyProblem {
  readonly origin: PolicyOrigin | undefined;
  /** The object at fault, as far as it could be read. */
  readonly object: ObjectIdentity | undefined;
  /** The namespace this problem denies in; undefined means every namespace. */
  readonly namespace: string | undefined;
  /** The field path inside the object (`spec.publicKeys[1].keyType`), when one field is at fault. */
  readonly field: string | undefined;
  readonly description: string;
  /** `prod.yaml document 2: ImageSecurityPolicy prod/strict: spec.x: required`. */
  readonly message: string;
}

/** Something skipped that is not an error (an unrelated kind, an ignored Kritis field). */
export interface PolicyNote {
  readonly origin: PolicyOrigin | undefined;
  readonly message: string;
}

export interface PolicyEntry {
  readonly origin: PolicyOrigin | undefined;
  readonly value: PolicyObject;
}

/** What one source (a file, an API list) yielded. */
export interface CollectedPolicies {
  readonly objects: readonly PolicyEntry[];
  readonly problems: readonly PolicyProblem[];
  readonly notes: readonly PolicyNote[];
}

export interface ResolvedGenericAttestationPolicy {
  readonly policy: GenericAttestationPolicy;
  /** In the order of `attestationAuthorityNames`. */
  readonly authorities: readonly AttestationAuthority[];
}

export interface ResolvedImageSecurityPolicy {
  readonly policy: ImageSecurityPolicy;
  /** The attest-on-pass authority, when the policy names one. */
  readonly authority: AttestationAuthority | undefined;
}

export interface NamespacePolicies {
  readonly namespace: string;
  readonly attestationAuthorities: readonly AttestationAuthority[];
  readonly genericAttestationPolicies: readonly ResolvedGenericAttestationPolicy[];
  readonly imageSecurityPolicies: readonly ResolvedImageSecurityPolicy[];
  readonly problems: readonly PolicyProblem[];
}

export interface PolicySet {
  /** The effective configuration (the defaults when there is no valid KritisConfig). */
  readonly config: KritisConfigSpec;
  /** False when the KritisConfig is invalid or duplicated; exemptions are then void. */
  readonly configValid: boolean;
  readonly namespaces: ReadonlyMap<string, NamespacePolicies>;
  /** Problems that deny in every namespace. */
  readonly clusterProblems: readonly PolicyProblem[];
  readonly notes: readonly PolicyNote[];
}

/** What the engine needs for one request's namespace. */
export interface NamespacePolicyView {
  readonly namespace: string;
  readonly config: KritisConfigSpec;
  /** Listed in `exemptNamespaces` (and the KritisConfig is valid): review nothing. */
  readonly exempt: boolean;
  /** Non-empty: deny every reviewed image, with {@link invalidPolicyMessage}. */
  readonly problems: readonly PolicyProblem[];
  readonly genericAttestationPolicies: readonly ResolvedGenericAttestationPolicy[];
  readonly imageSecurityPolicies: readonly ResolvedImageSecurityPolicy[];
  /** False: `config.noPolicyDefault` decides. */
  readonly hasPolicies: boolean;
}

/** `prod.yaml document 2 items[0]`. */
export function describeOrigin(origin: PolicyOrigin): string {
  const document = origin.documentNumber === undefined ? "" : ` document ${origin.documentNumber}`;
  const item = origin.itemPath === undefined ? "" : ` ${origin.itemPath}`;
  return `${origin.source}${document}${item}`;
}

/** Builds a problem and its message. */
export function policyProblem(
  origin: PolicyOrigin | undefined,
  object: ObjectIdentity | undefined,
  namespace: string | undefined,
  field: string | undefined,
  description: string,
): PolicyProblem {
  const parts = [
    origin === undefined ? undefined : describeOrigin(origin),
    object === undefined ? undefined : describeObject(object),
    field === undefined || field === "" ? description : `${field}: ${description}`,
  ].filter((part): part is string => part !== undefined);
  return { origin, object, namespace, field, description, message: parts.join(": ") };
}

/** The denial text for a namespace with a problem. */
export function invalidPolicyMessage(namespace: string, problem: PolicyProblem): string {
  return `namespace ${namespace} has an invalid policy: ${problem.message}`;
}

interface NamespaceBuilder {
  authorities: Map<string, PolicyEntry & { value: AttestationAuthority }>;
  gaps: (PolicyEntry & { value: GenericAttestationPolicy })[];
  isps: (PolicyEntry & { value: ImageSecurityPolicy })[];
  problems: PolicyProblem[];
}

const identityOf = (value: PolicyObject): ObjectIdentity => ({
  kind: value.kind,
  name: value.name,
  namespace: value.kind === "KritisConfig" ? undefined : value.namespace,
});

/**
 * Cross-checks and indexes everything the sources yielded. Never throws:
 * every problem is recorded where the engine will find it.
 */
export function assemblePolicySet(sources: CollectedPolicies | readonly CollectedPolicies[]): PolicySet {
  const all: readonly CollectedPolicies[] = Array.isArray(sources) ? sources : [sources as CollectedPolicies];
  const clusterProblems: PolicyProblem[] = [];
  const notes: PolicyNote[] = all.flatMap((s) => s.notes);
  const namespaces = new Map<string, NamespaceBuilder>();
  const builder = (namespace: string): NamespaceBuilder => {
    let entry = namespaces.get(namespace);
    if (entry === undefined) {
      entry = { authorities: new Map(), gaps: [], isps: [], problems: [] };
      namespaces.set(namespace, entry);
    }
    return entry;
  };
  const record = (problem: PolicyProblem) =>
    problem.namespace === undefined ? clusterProblems.push(problem) : builder(problem.namespace).problems.push(problem);

  const invalidObjects = new Set<string>();
  for (const problem of all.flatMap((s) => s.problems)) {
    record(problem);
    if (problem.object !== undefined) invalidObjects.add(describeObject(problem.object));
  }

  const configs: PolicyEntry[] = [];
  const seen = new Map<string, PolicyOrigin | undefined>();
  for (const entry of all.flatMap((s) => s.objects)) {
    const identity = identityOf(entry.value);
    const key = describeObject(identity);
    if (seen.has(key)) {
      const first = seen.get(key);
      record(
        policyProblem(
          entry.origin,
          identity,
          identity.namespace,
          undefined,
          `defined more than once (also in ${first === undefined ? "another source" : describeOrigin(first)}); remove one`,
        ),
      );
      continue;
    }
    seen.set(key, entry.origin);
    const value = entry.value;
    switch (value.kind) {
      case "KritisConfig":
        configs.push(entry);
        break;
      case "AttestationAuthority":
        builder(value.namespace).authorities.set(value.name, { origin: entry.origin, value });
        break;
      case "GenericAttestationPolicy":
        builder(value.namespace).gaps.push({ origin: entry.origin, value });
        break;
      case "ImageSecurityPolicy":
        builder(value.namespace).isps.push({ origin: entry.origin, value });
        break;
    }
  }

  const configProblem = clusterProblems.some((p) => p.object?.kind === "KritisConfig");
  let config = defaultKritisConfigSpec;
  if (configs.length > 1) {
    const names = configs.map((c) => describeOrigin(c.origin ?? { source: "?" })).join(", ");
    clusterProblems.push(
      policyProblem(undefined, undefined, undefined, undefined, `more than one KritisConfig (${names}); keep exactly one`),
    );
  } else if (configs[0] !== undefined && configs[0].value.kind === "KritisConfig") {
    config = configs[0].value.spec;
  }
  const configValid = !configProblem && configs.length <= 1;
  if (!configValid) config = defaultKritisConfigSpec;

  const missingAuthority = (namespace: string, name: string) => {
    const invalid = invalidObjects.has(describeObject({ kind: "AttestationAuthority", name, namespace }));
    return invalid
      ? `AttestationAuthority ${JSON.stringify(name)} in namespace ${namespace} is invalid (see the problem reported for it)`
      : `AttestationAuthority ${JSON.stringify(name)} not found in namespace ${namespace}`;
  };

  const result = new Map<string, NamespacePolicies>();
  for (const [namespace, built] of namespaces) {
    const gaps: ResolvedGenericAttestationPolicy[] = [];
    for (const { origin, value } of built.gaps) {
      const authorities: AttestationAuthority[] = [];
      value.attestationAuthorityNames.forEach((name, index) => {
        const authority = built.authorities.get(name)?.value;
        if (authority === undefined) {
          built.problems.push(
            policyProblem(origin, identityOf(value), namespace, `spec.attestationAuthorityNames[${index}]`, missingAuthority(namespace, name)),
          );
        } else {
          authorities.push(authority);
        }
      });
      if (authorities.length === value.attestationAuthorityNames.length) gaps.push({ policy: value, authorities });
    }
    const isps: ResolvedImageSecurityPolicy[] = [];
    for (const { origin, value } of built.isps) {
      const name = value.attestationAuthorityName;
      const authority = name === undefined ? undefined : built.authorities.get(name)?.value;
      if (name !== undefined && authority === undefined) {
        built.problems.push(
          policyProblem(origin, identityOf(value), namespace, "spec.attestationAuthorityName", missingAuthority(namespace, name)),
        );
        continue;
      }
      isps.push({ policy: value, authority });
    }
    result.set(namespace, {
      namespace,
      attestationAuthorities: [...built.authorities.values()].map((e) => e.value),
      genericAttestationPolicies: gaps,
      imageSecurityPolicies: isps,
      problems: built.problems,
    });
  }
  return { config, configValid, namespaces: result, clusterProblems, notes };
}

/** The policies that apply to one namespace. */
export function policiesForNamespace(set: PolicySet, namespace: string): NamespacePolicyView {
  const own = set.namespaces.get(namespace);
  const gaps = own?.genericAttestationPolicies ?? [];
  const isps = own?.imageSecurityPolicies ?? [];
  return {
    namespace,
    config: set.config,
    exempt: set.configValid && set.config.exemptNamespaces.includes(namespace),
    problems: [...set.clusterProblems, ...(own?.problems ?? [])],
    genericAttestationPolicies: gaps,
    imageSecurityPolicies: isps,
    hasPolicies: gaps.length + isps.length > 0,
  };
}
