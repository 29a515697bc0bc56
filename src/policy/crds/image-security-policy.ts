/**
 * @module policy/crds/image-security-policy
 *
 * ImageSecurityPolicy (namespaced): "the image's known vulnerabilities must be
 * within these thresholds". Several policies in one namespace must all pass
 * (AND), as in Kritis.
 *
 * ```yaml
 * apiVersion: kritis.grafeas.io/v1beta1
 * kind: ImageSecurityPolicy
 * metadata: {name: no-high-fixable, namespace: prod}
 * spec:
 *   imageAllowlist: [gcr.io/my-project/debug-tools:*]
 *   packageVulnerabilityRequirements:
 *     maximumSeverity: MEDIUM                 # fixable findings; default CRITICAL
 *     maximumFixUnavailableSeverity: ALLOW_ALL # unfixable findings; default ALLOW_ALL
 *     allowlistCVEs:
 *     - projects/goog-vulnz/notes/CVE-2017-1000082   # a note name, as Kritis
 *     - CVE-2021-3711                                # or a bare id
 *   attestationAuthorityName: vulnz-checked   # optional attest-on-pass cache
 *   enforcementMode: DRYRUN_AUDIT_LOG_ONLY
 * ```
 *
 * - `imageAllowlist` entries are name patterns (policy/name-pattern). Kritis
 *   compared them as exact strings; an exact entry still means exactly that
 *   image, and a Kritis entry could never contain `*`, so the wildcard forms
 *   change no existing policy's meaning. An allowlisted image skips the digest
 *   and vulnerability checks of this policy.
 * - Thresholds are judged by policy/vulnerability-rules. Defaults are Kritis'
 *   code defaults (its documentation disagreed): `maximumSeverity: CRITICAL`,
 *   `maximumFixUnavailableSeverity: ALLOW_ALL`.
 * - `attestationAuthorityName` names an AttestationAuthority of the same
 *   namespace (checked when the policy set is assembled). An image that this
 *   authority has attested skips the vulnerability check at admission, and a
 *   passing image may be attested by it, so that an admitted image stays
 *   admitted on restart; `privateKeySecretName` names the Secret (in the
 *   policy's namespace) holding the signing key for that, as in Kritis
 *   (read by admission/signing-secrets; `--attestor-key` wins over it).
 */
import type { NamePattern } from "../name-pattern.js";
import { namePatternProblem, parseNamePattern } from "../name-pattern.js";
import type { PackageVulnerabilityRequirements } from "../vulnerability-rules.js";
import { defaultPackageVulnerabilityRequirements } from "../vulnerability-rules.js";
import { maximumSeverityValues } from "../severity.js";
import { FieldReader } from "./field-reader.js";
import type { EnforcementMode, ParseResult, ReadOptions } from "./kritis-api.js";
import {
  objectNameProblem,
  parseResult,
  readEnforcementMode,
  readEnvelope,
  unreadableObject,
} from "./kritis-api.js";
import { isValidId } from "../../grafeas/resource-names.js";

export interface ImageSecurityPolicy {
  readonly kind: "ImageSecurityPolicy";
  readonly name: string;
  readonly namespace: string;
  readonly imageAllowlist: readonly NamePattern[];
  readonly packageVulnerabilityRequirements: PackageVulnerabilityRequirements;
  readonly attestationAuthorityName: string | undefined;
  readonly privateKeySecretName: string | undefined;
  readonly enforcementMode: EnforcementMode;
}

const noteNameForm = /^(?:projects|providers)\/[^/\s]+\/notes\/[^/\s]+$/;

/** An allowlistCVEs entry: a full note name or a bare vulnerability id. */
export function allowlistCveProblem(entry: string): string | undefined {
  if (entry.includes("/")) {
    return noteNameForm.test(entry)
      ? undefined
      : "must be a note name (projects/P/notes/N or providers/P/notes/N) or a bare id such as CVE-2021-3711";
  }
  return isValidId(entry) ? undefined : "must be a vulnerability id such as CVE-2021-3711";
}

export function parseImageSecurityPolicy(
  object: unknown,
  options: ReadOptions = {},
): ParseResult<ImageSecurityPolicy> {
  const reader = new FieldReader();
  const root = reader.object(object, "object", true);
  if (root === undefined) return unreadableObject(reader, "ImageSecurityPolicy");
  const identity = readEnvelope(reader, root, "ImageSecurityPolicy", true, options);
  const spec = reader.object(root["spec"], "spec", true) ?? {};
  reader.knownFields(
    spec,
    "spec",
    ["imageAllowlist", "packageVulnerabilityRequirements", "attestationAuthorityName", "privateKeySecretName", "enforcementMode"],
    {
      packageVulnerabilityPolicy: "packageVulnerabilityRequirements (Kritis' documentation used the wrong name)",
      packageVulernerabilityRequirements: "packageVulnerabilityRequirements",
      imageWhitelist: "imageAllowlist",
      imageAllowList: "imageAllowlist",
      attestationAuthorityNames: "attestationAuthorityName (a single name)",
    },
  );
  const allowlist =
    reader.stringList(spec["imageAllowlist"], "spec.imageAllowlist", false, { check: namePatternProblem }) ?? [];

  const path = "spec.packageVulnerabilityRequirements";
  const requirements = reader.object(spec["packageVulnerabilityRequirements"], path, false) ?? {};
  reader.knownFields(requirements, path, ["maximumSeverity", "maximumFixUnavailableSeverity", "allowlistCVEs"], {
    whitelistCVEs: "allowlistCVEs",
    allowlistCves: "allowlistCVEs",
    maximumFixableSeverity: "maximumSeverity",
    maximumUnfixableSeverity: "maximumFixUnavailableSeverity",
    onlyFixesNotAvailable: "maximumFixUnavailableSeverity",
  });
  const maximumSeverity =
    reader.choice(requirements["maximumSeverity"], `${path}.maximumSeverity`, maximumSeverityValues) ??
    defaultPackageVulnerabilityRequirements.maximumSeverity;
  const maximumFixUnavailableSeverity =
    reader.choice(
      requirements["maximumFixUnavailableSeverity"],
      `${path}.maximumFixUnavailableSeverity`,
      maximumSeverityValues,
    ) ?? defaultPackageVulnerabilityRequirements.maximumFixUnavailableSeverity;
  const allowlistCVEs =
    reader.stringList(requirements["allowlistCVEs"], `${path}.allowlistCVEs`, false, {
      check: allowlistCveProblem,
    }) ?? [];

  const attestationAuthorityName = reader.string(
    spec["attestationAuthorityName"],
    "spec.attestationAuthorityName",
    false,
    objectNameProblem,
  );
  const privateKeySecretName = reader.string(
    spec["privateKeySecretName"],
    "spec.privateKeySecretName",
    false,
    objectNameProblem,
  );
  const enforcementMode = readEnforcementMode(reader, spec);
  return parseResult(reader, identity, () => ({
    kind: "ImageSecurityPolicy",
    name: identity.name as string,
    namespace: identity.namespace as string,
    imageAllowlist: allowlist.map(parseNamePattern),
    packageVulnerabilityRequirements: { maximumSeverity, maximumFixUnavailableSeverity, allowlistCVEs },
    attestationAuthorityName,
    privateKeySecretName,
    enforcementMode,
  }));
}
