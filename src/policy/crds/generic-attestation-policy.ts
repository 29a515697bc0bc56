/**
 * @module policy/crds/generic-attestation-policy
 *
 * GenericAttestationPolicy (namespaced): "every image must carry a valid
 * attestation from ALL of these AttestationAuthorities", with Kritis' and
 * Binary Authorization's semantics:
 *
 * - ALL authorities of one policy must have attested the image (AND);
 * - several policies in a namespace are alternatives: an image satisfying any
 *   one of them completely passes (OR);
 * - `admissionAllowlistPatterns` of every policy in the namespace form one
 *   allowlist of name patterns (see policy/name-pattern); a matching image
 *   needs no attestation.
 *
 * ```yaml
 * apiVersion: kritis.grafeas.io/v1beta1
 * kind: GenericAttestationPolicy
 * metadata: {name: require-qa, namespace: prod}
 * spec:
 *   attestationAuthorityNames: [qa, security]
 *   admissionAllowlistPatterns:
 *   - namePattern: gcr.io/my-project/tools/**
 *   enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG   # or DRYRUN_AUDIT_LOG_ONLY
 * ```
 *
 * An empty authority list is invalid (in Kritis it failed every review in the
 * namespace, even of allowlisted images; here the policy set records it as an
 * invalid policy, which denies in that namespace with this message). Whether
 * each name resolves to an AttestationAuthority in the same namespace is
 * checked when the policy set is assembled.
 */
import type { NamePattern } from "../name-pattern.js";
import { namePatternProblem, parseNamePattern } from "../name-pattern.js";
import { FieldReader, fieldPath } from "./field-reader.js";
import type { EnforcementMode, ParseResult, ReadOptions } from "./kritis-api.js";
import {
  objectNameProblem,
  parseResult,
  readEnforcementMode,
  readEnvelope,
  unreadableObject,
} from "./kritis-api.js";

export interface GenericAttestationPolicy {
  readonly kind: "GenericAttestationPolicy";
  readonly name: string;
  readonly namespace: string;
  /** Names of AttestationAuthorities in the same namespace; all must attest. */
  readonly attestationAuthorityNames: readonly string[];
  readonly admissionAllowlistPatterns: readonly NamePattern[];
  readonly enforcementMode: EnforcementMode;
}

export function parseGenericAttestationPolicy(
  object: unknown,
  options: ReadOptions = {},
): ParseResult<GenericAttestationPolicy> {
  const reader = new FieldReader();
  const root = reader.object(object, "object", true);
  if (root === undefined) return unreadableObject(reader, "GenericAttestationPolicy");
  const identity = readEnvelope(reader, root, "GenericAttestationPolicy", true, options);
  const spec = reader.object(root["spec"], "spec", true) ?? {};
  reader.knownFields(spec, "spec", ["attestationAuthorityNames", "admissionAllowlistPatterns", "enforcementMode"], {
    attestationAuthorityName: "attestationAuthorityNames (a list)",
    admissionWhitelistPatterns: "admissionAllowlistPatterns",
    requireAttestationsBy: "attestationAuthorityNames",
  });
  const rawNames = spec["attestationAuthorityNames"];
  const authorities =
    reader.stringList(rawNames, "spec.attestationAuthorityNames", false, { check: objectNameProblem }) ?? [];
  if (rawNames === undefined || rawNames === null || (Array.isArray(rawNames) && rawNames.length === 0)) {
    reader.problem(
      "spec.attestationAuthorityNames",
      "at least one AttestationAuthority name is required: a policy that names none cannot be satisfied",
    );
  }
  const patterns: NamePattern[] = [];
  const items = reader.list(spec["admissionAllowlistPatterns"], "spec.admissionAllowlistPatterns", false);
  (items ?? []).forEach((item, index) => {
    const path = fieldPath("spec.admissionAllowlistPatterns", index);
    const entry = reader.object(item, path, true);
    if (entry === undefined) return;
    reader.knownFields(entry, path, ["namePattern"]);
    const pattern = reader.string(entry["namePattern"], fieldPath(path, "namePattern"), true, namePatternProblem);
    if (pattern !== undefined) patterns.push(parseNamePattern(pattern));
  });
  const enforcementMode = readEnforcementMode(reader, spec);
  return parseResult(reader, identity, () => ({
    kind: "GenericAttestationPolicy",
    name: identity.name as string,
    namespace: identity.namespace as string,
    attestationAuthorityNames: authorities,
    admissionAllowlistPatterns: patterns,
    enforcementMode,
  }));
}
