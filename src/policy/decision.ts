/**
 * @module policy/decision
 *
 * What the admission engine decides, per image and container path, and the
 * text users see. Kritis' denial said "found violations in <image>" and left
 * the reasons in its log; here the message names the object, every denied
 * container path and image, and every reason, in words that say what to do.
 *
 * Verdicts per image:
 * - `allowed`: nothing stands against it (or an allowlist or exemption
 *   admitted it; `allowedBy` says which);
 * - `denied`: at least one reason comes from an enforced rule;
 * - `dry-run-would-deny`: every reason comes from a `DRYRUN_AUDIT_LOG_ONLY`
 *   policy: admitted, reported as a warning and in the audit log;
 * - `breakglass`: it would have been denied, and the object carries the
 *   breakglass annotation (and the KritisConfig allows it): admitted, and
 *   always reported.
 *
 * The object is allowed when no image is `denied` and no object-level reason
 * (an invalid policy in the namespace, a malformed object) stands enforced.
 */
import type { WorkloadImage } from "./workload-images.js";
import type { VulnerabilityViolation } from "./vulnerability-rules.js";
import type { PolicyProblem } from "./policy-set.js";
import { invalidPolicyMessage } from "./policy-set.js";

export type ImageVerdict = "allowed" | "denied" | "dry-run-would-deny" | "breakglass";

/** Whether a reason comes from an enforced rule or a dry-run policy. */
export type ReasonMode = "enforced" | "dry-run";

/** One attestation that was found but did not verify. */
export interface SignatureFailure {
  readonly authority: string;
  /** The verifier's failure code (for example BAD_SIGNATURE, UNKNOWN_KEY, PAYLOAD_MISMATCH). */
  readonly code: string;
  readonly message: string;
  readonly keyId?: string | undefined;
  /** The ATTESTATION occurrence, `projects/P/occurrences/O`. */
  readonly occurrenceName?: string | undefined;
}

export type DenialReason = { readonly mode: ReasonMode } & (
  | {
      /** A GenericAttestationPolicy is not satisfied: these authorities have no verified attestation. */
      readonly kind: "missing-attestations";
      readonly policy: string;
      readonly requiredAuthorities: readonly string[];
      readonly missingAuthorities: readonly string[];
      /** Attestations that exist for the missing authorities but failed verification. */
      readonly signatureFailures: readonly SignatureFailure[];
    }
  | { readonly kind: "signature-failure"; readonly failure: SignatureFailure }
  | { readonly kind: "vulnerability"; readonly policy: string; readonly violation: VulnerabilityViolation }
  | { readonly kind: "unpinned-image"; readonly message: string }
  | { readonly kind: "invalid-image-reference"; readonly message: string }
  | { readonly kind: "invalid-policy"; readonly namespace: string; readonly problem: PolicyProblem }
  /** `noPolicyDefault: DENY` and the namespace has no policy. */
  | { readonly kind: "no-policy"; readonly namespace: string }
  | { readonly kind: "metadata-unavailable"; readonly detail: string }
  | { readonly kind: "malformed-object"; readonly message: string }
);

/** Why an image was admitted without (or after) review. */
export type AllowedBy =
  | { readonly kind: "policies-satisfied" }
  | { readonly kind: "global-allowlist"; readonly pattern: string }
  | { readonly kind: "policy-allowlist"; readonly policy: string; readonly pattern: string }
  | { readonly kind: "exempt-namespace"; readonly namespace: string }
  | { readonly kind: "no-policy"; readonly namespace: string }
  | { readonly kind: "unchanged-on-update" };

export interface ImageDecision {
  readonly image: WorkloadImage;
  readonly verdict: ImageVerdict;
  /** What stands (or, for dry-run and breakglass, would stand) against the image. */
  readonly reasons: readonly DenialReason[];
  readonly allowedBy: AllowedBy | undefined;
  readonly warnings: readonly string[];
}

/** The admitted object, as a message names it. */
export interface ObjectReference {
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  /** Used when a CREATE has no name yet. */
  readonly generateName?: string | undefined;
}

export interface AdmissionDecision {
  readonly object: ObjectReference;
  readonly allowed: boolean;
  readonly images: readonly ImageDecision[];
  /** Reasons that concern the whole object (an invalid policy, a malformed object). */
  readonly objectReasons: readonly DenialReason[];
  /** True when the breakglass annotation admitted something that would have been denied. */
  readonly breakglassUsed: boolean;
  readonly warnings: readonly string[];
}

function verdictOf(reasons: readonly DenialReason[], breakglass: boolean): ImageVerdict {
  if (reasons.some((r) => r.mode === "enforced")) return breakglass ? "breakglass" : "denied";
  return reasons.length > 0 ? "dry-run-would-deny" : "allowed";
}

/** Builds one image's decision; the verdict follows from the reasons. */
export function decideImage(
  image: WorkloadImage,
  reasons: readonly DenialReason[],
  options: { breakglass?: boolean; allowedBy?: AllowedBy; warnings?: readonly string[] } = {},
): ImageDecision {
  return {
    image,
    verdict: verdictOf(reasons, options.breakglass ?? false),
    reasons,
    allowedBy: options.allowedBy,
    warnings: options.warnings ?? [],
  };
}

/** Builds the decision for an object; `allowed` follows from the images and object-level reasons. */
export function decideObject(
  object: ObjectReference,
  images: readonly ImageDecision[],
  options: { objectReasons?: readonly DenialReason[]; breakglass?: boolean; warnings?: readonly string[] } = {},
): AdmissionDecision {
  const objectReasons = options.objectReasons ?? [];
  const breakglass = options.breakglass ?? false;
  const objectDenied = objectReasons.some((r) => r.mode === "enforced");
  const imagesDenied = images.some((i) => i.verdict === "denied");
  const breakglassUsed =
    images.some((i) => i.verdict === "breakglass") || (breakglass && objectDenied);
  return {
    object,
    allowed: !imagesDenied && (!objectDenied || breakglass),
    images,
    objectReasons,
    breakglassUsed,
    warnings: options.warnings ?? [],
  };
}

const quoteList = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");

/** The sentence for one reason. `image` is the image as written in the workload. */
export function reasonMessage(image: string, reason: DenialReason): string {
  switch (reason.kind) {
    case "missing-attestations": {
      const failures = reason.signatureFailures.map(
        (f) => `; an attestation by ${JSON.stringify(f.authority)} was rejected (${f.code}: ${f.message})`,
      );
      return (
        `No matched signatures for container image: ${image} ` +
        `(GenericAttestationPolicy ${reason.policy} requires attestations by ${quoteList(reason.requiredAuthorities)}; ` +
        `missing: ${quoteList(reason.missingAuthorities)})${failures.join("")}`
      );
    }
    case "signature-failure":
      return `an attestation by ${JSON.stringify(reason.failure.authority)} for ${image} was rejected (${reason.failure.code}: ${reason.failure.message})`;
    case "vulnerability":
      return `${reason.violation.reason} (ImageSecurityPolicy ${reason.policy})`;
    case "unpinned-image":
    case "invalid-image-reference":
    case "malformed-object":
      return reason.message;
    case "invalid-policy":
      return invalidPolicyMessage(reason.namespace, reason.problem);
    case "no-policy":
      return `namespace ${reason.namespace} has no GenericAttestationPolicy or ImageSecurityPolicy, and the KritisConfig denies images where no policy applies (noPolicyDefault: DENY)`;
    case "metadata-unavailable":
      return `the metadata server could not be asked about ${image} (${reason.detail}), and the KritisConfig fails closed (metadataFailurePolicy: Fail)`;
  }
}

/** `Deployment prod/web`, `Pod prod/web-7d9c-…` for a generated name. */
export function describeObjectReference(object: ObjectReference): string {
  const name =
    object.name ?? (object.generateName === undefined ? "(unnamed)" : `${object.generateName}…`);
  return object.namespace === undefined || object.namespace === ""
    ? `${object.kind} ${name}`
    : `${object.kind} ${object.namespace}/${name}`;
}

/** `spec.containers[0].image (container "app"), image gcr.io/p/app:1` */
export function describeImage(image: WorkloadImage): string {
  const container = image.containerName === undefined ? "" : ` (container ${JSON.stringify(image.containerName)})`;
  return `${image.path}${container}, image ${image.image}`;
}

export interface FormatOptions {
  /** At most this many reasons per image are listed (default 10); the rest are counted. */
  readonly maxReasonsPerImage?: number;
}

function reasonLines(image: string, reasons: readonly DenialReason[], max: number, indent: string): string[] {
  const unique = [...new Set(reasons.map((r) => reasonMessage(image, r)))];
  const shown = unique.slice(0, max).map((line) => `${indent}- ${line}`);
  if (unique.length > max) shown.push(`${indent}- … and ${unique.length - max} more`);
  return shown;
}

function blocks(
  decision: AdmissionDecision,
  select: (reason: DenialReason) => boolean,
  verdicts: readonly ImageVerdict[],
  max: number,
): string[] {
  const lines = reasonLines("", decision.objectReasons.filter(select), max, "");
  for (const image of decision.images) {
    if (!verdicts.includes(image.verdict)) continue;
    const reasons = image.reasons.filter(select);
    if (reasons.length === 0) continue;
    lines.push(`- ${describeImage(image.image)}:`);
    lines.push(...reasonLines(image.image.image, reasons, max, "  "));
  }
  return lines;
}

/**
 * The denial message: the object, then each denied container path and image
 * with its reasons. Dry-run reasons are left out here (they are warnings).
 * Returns an empty string for an allowed decision.
 */
export function formatDenialMessage(decision: AdmissionDecision, options: FormatOptions = {}): string {
  if (decision.allowed) return "";
  const max = options.maxReasonsPerImage ?? 10;
  const lines = blocks(decision, (r) => r.mode === "enforced", ["denied"], max);
  return [`${describeObjectReference(decision.object)} is denied:`, ...lines].join("\n");
}

/**
 * The warnings to return with the admission response: what dry-run policies
 * would have denied, what breakglass let through, and every other warning.
 * One warning per image, so each fits on a line of `kubectl` output.
 */
export function formatWarnings(decision: AdmissionDecision): string[] {
  const object = describeObjectReference(decision.object);
  const warnings: string[] = [];
  const flat = (image: string, reasons: readonly DenialReason[]) =>
    [...new Set(reasons.map((r) => reasonMessage(image, r)))].join("; ");
  const objectDryRun = decision.objectReasons.filter((r) => r.mode === "dry-run");
  if (objectDryRun.length > 0) warnings.push(`dry run: ${object} would be denied: ${flat("", objectDryRun)}`);
  if (decision.breakglassUsed && decision.objectReasons.some((r) => r.mode === "enforced")) {
    warnings.push(`breakglass: ${object} admitted despite: ${flat("", decision.objectReasons.filter((r) => r.mode === "enforced"))}`);
  }
  for (const image of decision.images) {
    const dryRun = image.reasons.filter((r) => r.mode === "dry-run");
    if (image.verdict === "breakglass") {
      warnings.push(`breakglass: ${object} ${describeImage(image.image)} admitted despite: ${flat(image.image.image, image.reasons)}`);
    } else if (dryRun.length > 0) {
      warnings.push(`dry run: ${object} ${describeImage(image.image)} would be denied: ${flat(image.image.image, dryRun)}`);
    }
    warnings.push(...image.warnings);
  }
  warnings.push(...decision.warnings);
  return warnings;
}
