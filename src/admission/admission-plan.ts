/**
 * @module admission/admission-plan
 *
 * The first, pure step of a review: from the request and the policies, which
 * images need judging and which metadata that takes. Nothing is fetched here.
 *
 * Per request:
 * 1. Only CREATE and UPDATE of a kind that carries a pod spec
 *    (policy/workload-images) are reviewed; anything else is admitted
 *    untouched (`reviewed: false`).
 * 2. A namespace in the KritisConfig `exemptNamespaces` is not reviewed: every
 *    image is admitted as exempt.
 * 3. A malformed object is denied with every bad field named.
 * 4. On UPDATE, an image the old object already had (same normalised
 *    reference, in any container) is admitted as unchanged; only new images
 *    are judged (see docs/admission.md for the trade-off).
 * 5. An image matching the KritisConfig `imageAllowlist` is admitted.
 * 6. If the namespace has an invalid policy, the object is denied with the
 *    precise problem(s) (fail closed), and nothing is fetched.
 * 7. If the namespace has no policy, `noPolicyDefault` decides.
 * 8. Otherwise the image is judged by the deciding GenericAttestationPolicies
 *    (./gap-modes.ts) and every ImageSecurityPolicy; the plan lists the
 *    attestations (per note and image) and vulnerabilities (per image) that
 *    judgement needs.
 */
import type { AttestationAuthority } from "../policy/crds/attestation-authority.js";
import type { AllowedBy, DenialReason, ObjectReference } from "../policy/decision.js";
import type { PinnedImage } from "../policy/image-pinning.js";
import { readPinnedImage } from "../policy/image-pinning.js";
import { firstMatchingPattern } from "../policy/name-pattern.js";
import type { NamespacePolicyView, PolicySet } from "../policy/policy-set.js";
import { policiesForNamespace } from "../policy/policy-set.js";
import { precheckImageSecurityPolicy } from "../policy/vulnerability-rules.js";
import type { WorkloadImage } from "../policy/workload-images.js";
import { splitUpdateImages } from "../policy/workload-images.js";
import { attestationQueryKey, authorityEvidenceKey } from "./admission-evidence.js";
import type { AdmissionInput } from "./admission-input.js";
import type { AdmissionSubject } from "./admission-subject.js";
import { admissionSubject } from "./admission-subject.js";
import type { Breakglass } from "./breakglass.js";
import { decidingGaps } from "./gap-modes.js";
import { resourceUriCandidates } from "./resource-uris.js";

export type PlannedImage =
  /** Admitted before any policy is consulted. */
  | { readonly kind: "admitted"; readonly image: WorkloadImage; readonly allowedBy: AllowedBy }
  /** Not judged on its own: an object-level reason (an invalid policy) decides. */
  | { readonly kind: "unjudged"; readonly image: WorkloadImage }
  /** Denied before any metadata is consulted (noPolicyDefault: DENY). */
  | { readonly kind: "refused"; readonly image: WorkloadImage; readonly reasons: readonly DenialReason[] }
  /** Judged by the namespace's policies. */
  | {
      readonly kind: "judge";
      readonly image: WorkloadImage;
      readonly read: PinnedImage;
      /** The pinned form (`registry/path@digest`) when the image has a digest. */
      readonly pinned: string | undefined;
      /** Every resource URI spelling to ask for (./resource-uris.ts). */
      readonly resourceUris: readonly string[] | undefined;
    };

/** The occurrences of one note for one image. */
export interface AttestationQuery {
  readonly noteReference: string;
  readonly pinned: string;
  readonly resourceUris: readonly string[];
}

/** The VULNERABILITY occurrences of one image in every configured project. */
export interface VulnerabilityQuery {
  readonly pinned: string;
  readonly resourceUris: readonly string[];
  readonly projects: readonly string[];
}

/** One authority's attestations to verify for one image. */
export interface AuthorityCheck {
  readonly authority: AttestationAuthority;
  readonly pinned: string;
  readonly read: PinnedImage & { readonly outcome: "pinned" };
}

export interface AdmissionPlan {
  /** False when the request carries nothing to review; it is then admitted untouched. */
  readonly reviewed: boolean;
  readonly object: ObjectReference;
  readonly namespace: string;
  readonly view: NamespacePolicyView;
  readonly images: readonly PlannedImage[];
  /** Reasons about the whole object: a malformed object, an invalid policy in the namespace. */
  readonly objectReasons: readonly DenialReason[];
  readonly breakglass: Breakglass;
  readonly warnings: readonly string[];
  readonly attestationQueries: readonly AttestationQuery[];
  readonly vulnerabilityQueries: readonly VulnerabilityQuery[];
  readonly authorityChecks: readonly AuthorityCheck[];
}

interface ImageReading {
  readonly read: PinnedImage;
  readonly pinned: string | undefined;
  readonly resourceUris: readonly string[] | undefined;
}

/**
 * How each image string reads (parsed, pinned, its resource URI spellings),
 * kept per distinct string: a pure function of the text, and a cluster
 * admits the same few images over and over. Bounded: emptied when full.
 */
const readings = new Map<string, ImageReading>();
const maxReadings = 4096;

function readImage(image: string): ImageReading {
  const known = readings.get(image);
  if (known !== undefined) return known;
  const read = readPinnedImage(image);
  const reading: ImageReading =
    read.outcome === "pinned"
      ? { read, pinned: read.pinned, resourceUris: resourceUriCandidates(image, read.reference) }
      : { read, pinned: undefined, resourceUris: undefined };
  if (readings.size >= maxReadings) readings.clear();
  readings.set(image, reading);
  return reading;
}

function notReviewed(subject: AdmissionSubject, view: NamespacePolicyView): AdmissionPlan {
  return {
    reviewed: false,
    object: subject.object,
    namespace: view.namespace,
    view,
    images: [],
    objectReasons: [],
    breakglass: { requested: false },
    warnings: [],
    attestationQueries: [],
    vulnerabilityQueries: [],
    authorityChecks: [],
  };
}

/**
 * The views of each policy set, per namespace: a set is never changed once
 * built (a change swaps in a new set), so a view is made once per set and
 * namespace instead of once per review. Bounded: emptied when full.
 */
const views = new WeakMap<PolicySet, Map<string, NamespacePolicyView>>();
const maxViews = 4096;

function viewOf(policies: PolicySet, namespace: string): NamespacePolicyView {
  let byNamespace = views.get(policies);
  if (byNamespace === undefined) {
    byNamespace = new Map();
    views.set(policies, byNamespace);
  }
  let view = byNamespace.get(namespace);
  if (view === undefined) {
    if (byNamespace.size >= maxViews) byNamespace.clear();
    view = policiesForNamespace(policies, namespace);
    byNamespace.set(namespace, view);
  }
  return view;
}

/** Computes what a review needs. Pure: the same input and policies give the same plan. */
export function planAdmission(input: AdmissionInput, policies: PolicySet): AdmissionPlan {
  return planSubject(admissionSubject(input), policies);
}

/** Computes what a review of `subject` needs (./admission-subject.ts). Pure. */
export function planSubject(subject: AdmissionSubject, policies: PolicySet): AdmissionPlan {
  const view = viewOf(policies, subject.namespace);
  const read = subject.read;
  if (read === undefined) return notReviewed(subject, view);

  const base = { ...notReviewed(subject, view), reviewed: true };
  const breakglass = subject.breakglass;
  if (view.exempt) {
    const images = "images" in read ? read.images : [];
    return {
      ...base,
      breakglass,
      images: images.map((image) => ({ kind: "admitted", image, allowedBy: { kind: "exempt-namespace", namespace: view.namespace } })),
    };
  }
  if ("malformed" in read) {
    return { ...base, breakglass, objectReasons: [{ kind: "malformed-object", mode: "enforced", message: read.malformed }] };
  }

  const unchanged = new Set<WorkloadImage>(
    subject.operation === "UPDATE" ? splitUpdateImages(read.images, subject.previousImages).unchanged : [],
  );
  const gaps = decidingGaps(view);
  const images: PlannedImage[] = [];
  const attestationQueries = new Map<string, AttestationQuery>();
  const vulnerabilityQueries = new Map<string, VulnerabilityQuery>();
  const authorityChecks = new Map<string, AuthorityCheck>();
  let policyStage = false;

  const needAttestations = (authority: AttestationAuthority, pinned: string, resourceUris: readonly string[], pinnedRead: AuthorityCheck["read"]) => {
    attestationQueries.set(attestationQueryKey(authority.noteReference, pinned), { noteReference: authority.noteReference, pinned, resourceUris });
    authorityChecks.set(authorityEvidenceKey(authority, pinned), { authority, pinned, read: pinnedRead });
  };

  for (const image of read.images) {
    if (unchanged.has(image)) {
      images.push({ kind: "admitted", image, allowedBy: { kind: "unchanged-on-update" } });
      continue;
    }
    const global = firstMatchingPattern(image.image, view.config.imageAllowlist);
    if (global !== undefined) {
      images.push({ kind: "admitted", image, allowedBy: { kind: "global-allowlist", pattern: global.pattern } });
      continue;
    }
    policyStage = true;
    if (view.problems.length > 0) {
      images.push({ kind: "unjudged", image });
      continue;
    }
    if (!view.hasPolicies) {
      images.push(
        view.config.noPolicyDefault === "ALLOW"
          ? { kind: "admitted", image, allowedBy: { kind: "no-policy", namespace: view.namespace } }
          : { kind: "refused", image, reasons: [{ kind: "no-policy", mode: "enforced", namespace: view.namespace }] },
      );
      continue;
    }
    const { read: pinnedRead, pinned, resourceUris } = readImage(image.image);
    images.push({ kind: "judge", image, read: pinnedRead, pinned, resourceUris });
    if (pinnedRead.outcome !== "pinned" || pinned === undefined || resourceUris === undefined) continue;

    if (gaps !== undefined && firstMatchingPattern(image.image, gaps.allowlist) === undefined) {
      for (const gap of gaps.policies) {
        for (const authority of gap.authorities) needAttestations(authority, pinned, resourceUris, pinnedRead);
      }
    }
    for (const isp of view.imageSecurityPolicies) {
      const precheck = precheckImageSecurityPolicy(image.image, isp.policy.imageAllowlist);
      if (precheck.outcome !== "evaluate") continue;
      vulnerabilityQueries.set(pinned, { pinned, resourceUris, projects: view.config.vulnerabilityProjects });
      if (isp.authority !== undefined) needAttestations(isp.authority, pinned, resourceUris, pinnedRead);
    }
  }

  const objectReasons: DenialReason[] =
    policyStage && view.problems.length > 0
      ? view.problems.map((problem) => ({ kind: "invalid-policy", mode: "enforced", namespace: view.namespace, problem }))
      : [];
  return {
    ...base,
    breakglass,
    images,
    objectReasons,
    warnings: read.warnings,
    attestationQueries: [...attestationQueries.values()],
    vulnerabilityQueries: [...vulnerabilityQueries.values()],
    authorityChecks: [...authorityChecks.values()],
  };
}
