/**
 * @module policy/crds/kritis-api
 *
 * What the four policy kinds share: the API group `kritis.grafeas.io/v1beta1`
 * (Kritis' group, so existing manifests keep working), object metadata, and
 * the enforcement mode, spelled as Binary Authorization spells it.
 */
import type { FieldViolation } from "../../errors.js";
import type { FieldReader, JsonObject } from "./field-reader.js";

export const kritisGroup = "kritis.grafeas.io";
export const kritisVersion = "v1beta1";
export const kritisApiVersion = `${kritisGroup}/${kritisVersion}`;

export const policyKinds = [
  "AttestationAuthority",
  "GenericAttestationPolicy",
  "ImageSecurityPolicy",
  "KritisConfig",
] as const;

export type PolicyKind = (typeof policyKinds)[number];

export function isPolicyKind(kind: string): kind is PolicyKind {
  return (policyKinds as readonly string[]).includes(kind);
}

/**
 * `ENFORCED_BLOCK_AND_AUDIT_LOG` (the default) denies and records; the
 * dry-run mode admits and records what it would have denied, so a policy can
 * be tried on a live namespace first (Kritis had no such mode).
 */
export const enforcementModes = ["ENFORCED_BLOCK_AND_AUDIT_LOG", "DRYRUN_AUDIT_LOG_ONLY"] as const;
export type EnforcementMode = (typeof enforcementModes)[number];
export const defaultEnforcementMode: EnforcementMode = "ENFORCED_BLOCK_AND_AUDIT_LOG";

/** The name and, for namespaced kinds, namespace of a policy object. */
export interface ObjectIdentity {
  readonly kind: string;
  readonly name: string | undefined;
  /** Undefined for cluster-scoped kinds, or when it could not be read. */
  readonly namespace: string | undefined;
}

/** `ImageSecurityPolicy prod/strict`, `KritisConfig default`. */
export function describeObject(identity: ObjectIdentity): string {
  const name = identity.name ?? "(unnamed)";
  return identity.namespace === undefined
    ? `${identity.kind} ${name}`
    : `${identity.kind} ${identity.namespace}/${name}`;
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kubernetes object names (DNS-1123 subdomains), as for every custom resource. */
export function objectNameProblem(name: string): string | undefined {
  if (name.length > 253) return "must be at most 253 characters";
  return dnsSubdomain.test(name)
    ? undefined
    : "must be a lowercase DNS-1123 subdomain (letters, digits, '-' and '.')";
}

/** Kubernetes namespace names (DNS-1123 labels). */
export function namespaceNameProblem(name: string): string | undefined {
  if (name.length > 63) return "must be at most 63 characters";
  return dnsLabel.test(name) ? undefined : "must be a lowercase DNS-1123 label (letters, digits and '-')";
}

export interface ReadOptions {
  /**
   * The namespace of a namespaced object that does not name one (what
   * `kubectl apply -n` does). Without it, such an object is invalid: guessing
   * "default" would leave the namespace the author meant unprotected.
   */
  readonly defaultNamespace?: string | undefined;
}

/**
 * Checks `apiVersion`, `kind` and the top-level fields, and reads
 * `metadata.name` and (for namespaced kinds) `metadata.namespace`. Other
 * metadata (labels, annotations, uid, managedFields…) is ignored.
 */
export function readEnvelope(
  reader: FieldReader,
  object: JsonObject,
  kind: PolicyKind,
  namespaced: boolean,
  options: ReadOptions,
): ObjectIdentity {
  const apiVersion = reader.string(object["apiVersion"], "apiVersion", true);
  if (apiVersion !== undefined && apiVersion !== kritisApiVersion) {
    reader.problem("apiVersion", `must be ${kritisApiVersion}; got ${JSON.stringify(apiVersion)}`);
  }
  const actualKind = reader.string(object["kind"], "kind", true);
  if (actualKind !== undefined && actualKind !== kind) {
    reader.problem("kind", `must be ${kind}; got ${JSON.stringify(actualKind)}`);
  }
  reader.knownFields(object, "", ["apiVersion", "kind", "metadata", "spec", "status"], {
    imageWhitelist: "spec.imageAllowlist",
    imageAllowlist: "spec.imageAllowlist",
  });
  const metadata = reader.object(object["metadata"], "metadata", true);
  const rawName = metadata?.["name"];
  // An invalid name is still shown as written, so the user can find the object.
  const name =
    reader.string(rawName, "metadata.name", true, objectNameProblem) ??
    (typeof rawName === "string" && rawName !== "" ? rawName : undefined);
  let namespace: string | undefined;
  if (namespaced) {
    const raw = metadata?.["namespace"];
    namespace =
      raw === undefined || raw === null || raw === ""
        ? options.defaultNamespace
        : reader.string(raw, "metadata.namespace", true, namespaceNameProblem);
    if (namespace === undefined && (raw === undefined || raw === null || raw === "") && metadata) {
      reader.problem(
        "metadata.namespace",
        `required: a ${kind} applies to the namespace it lives in, and this one names none`,
      );
    }
  } else if (metadata?.["namespace"] !== undefined && metadata["namespace"] !== null && metadata["namespace"] !== "") {
    reader.problem("metadata.namespace", `must not be set: ${kind} is cluster-scoped`);
  }
  return { kind, name, namespace };
}

/** `spec.enforcementMode`, defaulting to enforcement. */
export function readEnforcementMode(reader: FieldReader, spec: JsonObject): EnforcementMode {
  return (
    reader.choice(spec["enforcementMode"], "spec.enforcementMode", enforcementModes) ??
    defaultEnforcementMode
  );
}

/** The outcome of reading one policy object: the typed value, or every problem found. */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly notes: readonly string[] }
  | {
      readonly ok: false;
      /** As much of the identity as could be read, so the failure can be attributed. */
      readonly identity: ObjectIdentity;
      readonly violations: readonly FieldViolation[];
    };

/** Turns a finished read into a result: the value only when no problem was found. */
export function parseResult<T>(
  reader: FieldReader,
  identity: ObjectIdentity,
  build: () => T,
  notes: readonly string[] = [],
): ParseResult<T> {
  if (!reader.ok) return { ok: false, identity, violations: reader.violations };
  return { ok: true, value: build(), notes };
}

/** The result for a value that is not an object at all (the reader has recorded why). */
export function unreadableObject<T>(reader: FieldReader, kind: PolicyKind): ParseResult<T> {
  return {
    ok: false,
    identity: { kind, name: undefined, namespace: undefined },
    violations: reader.violations,
  };
}
