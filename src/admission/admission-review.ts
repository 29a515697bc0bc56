/**
 * @module admission/admission-review
 *
 * The AdmissionReview wire format (`admission.k8s.io/v1` and `v1beta1`, which
 * share their shape), read strictly and written the way the API server
 * requires:
 *
 * - Reading: the envelope (`apiVersion`, `kind: AdmissionReview`) and the
 *   request fields the engine uses are checked by hand, each problem named by
 *   its path; `resource` and `userInfo.username` are read when well formed
 *   (records use them to name the object and the requester), and anything
 *   else in the request (`options`, `requestKind`…) is ignored. The object itself is left to the engine,
 *   which names every bad field of a malformed workload in its denial.
 * - Writing: the response echoes `request.uid` and the request's
 *   `apiVersion`, with `kind: AdmissionReview` (Kritis answered without them,
 *   which `admission.k8s.io/v1` rejects). A denial carries
 *   `status {code, reason, message}`: 403 Forbidden for a policy denial, 400
 *   BadRequest for a malformed object.
 * - Warnings are single lines of at most 256 characters (longer ones are cut
 *   with `…`), at most 16 of them: Kubernetes may truncate or drop warnings
 *   beyond those sizes. The full text is always in the decision log.
 * - `auditAnnotations` use bare keys (`decision`, `policies`, `breakglass`,
 *   `denied-images`): the API server prefixes each with the webhook's name
 *   (`validate.scriba.dev/decision`), and a key that already had a prefix
 *   would not be a valid annotation key after that.
 */
import type { FieldViolation } from "../errors.js";
import { ScribaError } from "../errors.js";
import type { AdmissionInput } from "./admission-input.js";
import type { AdmissionOutcome } from "./review-admission.js";

export const admissionReviewVersions = ["admission.k8s.io/v1", "admission.k8s.io/v1beta1"] as const;
export type AdmissionReviewVersion = (typeof admissionReviewVersions)[number];

const operations = ["CREATE", "UPDATE", "DELETE", "CONNECT"] as const;

export interface AdmissionReviewRequest {
  readonly apiVersion: AdmissionReviewVersion;
  readonly uid: string;
  readonly input: AdmissionInput;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

class Checker {
  readonly violations: FieldViolation[] = [];

  add(field: string, description: string): undefined {
    this.violations.push({ field, description });
    return undefined;
  }

  string(value: unknown, field: string, required: boolean): string | undefined {
    if (value === undefined || value === null) return required ? this.add(field, "required") : undefined;
    if (typeof value !== "string") return this.add(field, "must be a string");
    if (required && value === "") return this.add(field, "must not be empty");
    return value;
  }
}

/** Reads an AdmissionReview; throws INVALID_ARGUMENT listing every problem. */
export function parseAdmissionReview(body: unknown): AdmissionReviewRequest {
  const check = new Checker();
  if (!isObject(body)) {
    throw new ScribaError("INVALID_ARGUMENT", "an AdmissionReview must be a JSON object");
  }
  const apiVersion = check.string(body["apiVersion"], "apiVersion", true);
  if (apiVersion !== undefined && !(admissionReviewVersions as readonly string[]).includes(apiVersion)) {
    check.add("apiVersion", `must be ${admissionReviewVersions.join(" or ")}, got ${JSON.stringify(apiVersion)}`);
  }
  const kind = check.string(body["kind"], "kind", true);
  if (kind !== undefined && kind !== "AdmissionReview") check.add("kind", `must be AdmissionReview, got ${JSON.stringify(kind)}`);

  const request = body["request"];
  let input: AdmissionInput | undefined;
  let uid: string | undefined;
  if (!isObject(request)) {
    check.add("request", request === undefined || request === null ? "required" : "must be an object");
  } else {
    uid = check.string(request["uid"], "request.uid", true);
    if (uid !== undefined && uid.length > 256) check.add("request.uid", "must be at most 256 characters");
    const requestKind = request["kind"];
    let group: string | undefined;
    let kindName: string | undefined;
    if (!isObject(requestKind)) {
      check.add("request.kind", requestKind === undefined ? "required" : "must be an object {group, version, kind}");
    } else {
      group = check.string(requestKind["group"], "request.kind.group", false) ?? "";
      check.string(requestKind["version"], "request.kind.version", true);
      kindName = check.string(requestKind["kind"], "request.kind.kind", true);
    }
    const operation = check.string(request["operation"], "request.operation", true);
    if (operation !== undefined && !(operations as readonly string[]).includes(operation)) {
      check.add("request.operation", `must be one of ${operations.join(", ")}, got ${JSON.stringify(operation)}`);
    }
    const subResource = check.string(request["subResource"], "request.subResource", false);
    const namespace = check.string(request["namespace"], "request.namespace", false);
    const name = check.string(request["name"], "request.name", false);
    const dryRun = request["dryRun"];
    if (dryRun !== undefined && dryRun !== null && typeof dryRun !== "boolean") check.add("request.dryRun", "must be a boolean");
    for (const field of ["object", "oldObject"] as const) {
      const value = request[field];
      if (value !== undefined && value !== null && !isObject(value)) check.add(`request.${field}`, "must be an object");
    }
    if (group !== undefined && kindName !== undefined && operation !== undefined) {
      const resource = request["resource"];
      const userInfo = request["userInfo"];
      const username = isObject(userInfo) && typeof userInfo["username"] === "string" && userInfo["username"] !== "" ? userInfo["username"] : undefined;
      input = {
        uid,
        operation,
        kind: { group, kind: kindName },
        subResource: subResource || undefined,
        namespace: namespace || undefined,
        name: name || undefined,
        object: request["object"] ?? undefined,
        oldObject: request["oldObject"] ?? undefined,
        dryRun: dryRun === true,
        // Informational only (records name the object by it): read when well formed, never a reason to refuse.
        resource:
          isObject(resource) && typeof resource["version"] === "string" && typeof resource["resource"] === "string"
            ? { group: typeof resource["group"] === "string" ? resource["group"] : "", version: resource["version"], resource: resource["resource"] }
            : undefined,
        user: username,
      };
    }
  }
  if (check.violations.length > 0 || input === undefined || uid === undefined || apiVersion === undefined) {
    const list = check.violations.map((v) => `${v.field}: ${v.description}`).join("; ");
    throw new ScribaError("INVALID_ARGUMENT", `not a valid AdmissionReview: ${list}`, { violations: check.violations });
  }
  return { apiVersion: apiVersion as AdmissionReviewVersion, uid, input };
}

export const maxWarningLength = 256;
export const maxWarnings = 16;
const maxMessageLength = 12_000;

/** One line, at most `max` characters (code points), cut with `…`. */
export function clip(text: string, max: number): string {
  // Control characters (newlines above all) would break the Warning header the API server writes.
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  // No more UTF-16 units than `max` means no more code points either: nothing to cut, no need to count.
  if (line.length <= max) return line;
  const chars = Array.from(line);
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join("")}…`;
}

/** The warnings as the API server will accept them (see the module comment). */
export function admissionWarnings(warnings: readonly string[]): string[] {
  const unique = [...new Set(warnings.map((w) => clip(w, maxWarningLength)))].filter((w) => w !== "");
  if (unique.length <= maxWarnings) return unique;
  const shown = unique.slice(0, maxWarnings - 1);
  shown.push(`… and ${unique.length - shown.length} more warnings (see the admission webhook's log)`);
  return shown;
}

function auditAnnotations(outcome: AdmissionOutcome): Record<string, string> {
  const annotations: Record<string, string> = { decision: outcome.event };
  if (outcome.policies.length > 0) annotations["policies"] = clip(outcome.policies.join(", "), 1024);
  if (outcome.breakglassMarker !== undefined) annotations["breakglass"] = clip(outcome.breakglassMarker, 256);
  const denied = outcome.decision.images.filter((i) => i.verdict !== "allowed").map((i) => `${i.image.path}=${i.image.image}`);
  if (denied.length > 0) annotations[outcome.event === "deny" ? "denied-images" : "reported-images"] = clip(denied.join(", "), 2048);
  return annotations;
}

/** The AdmissionReview answering a request with the engine's outcome. */
export function admissionResponse(review: AdmissionReviewRequest, outcome: AdmissionOutcome): Json {
  const response: Json = { uid: review.uid, allowed: outcome.decision.allowed };
  if (!outcome.decision.allowed) {
    const malformed = outcome.decision.objectReasons.some((r) => r.kind === "malformed-object" && r.mode === "enforced");
    const message =
      outcome.message.length > maxMessageLength
        ? `${outcome.message.slice(0, maxMessageLength)}\n… (cut; the admission webhook's log has the full text)`
        : outcome.message;
    response["status"] = malformed
      ? { code: 400, reason: "BadRequest", message }
      : { code: 403, reason: "Forbidden", message };
  }
  if (outcome.reviewed) {
    const warnings = admissionWarnings(outcome.warnings);
    if (warnings.length > 0) response["warnings"] = warnings;
    response["auditAnnotations"] = auditAnnotations(outcome);
  }
  return { apiVersion: review.apiVersion, kind: "AdmissionReview", response };
}

/**
 * The end of a plain admission's answer (everything after the uid), by the
 * outcome's policy names. The reviewer hands out one array of names per
 * policy view, so every admission under the same policies shares an entry,
 * and the entry goes when the view does.
 */
const plainAdmissionTails = new WeakMap<readonly string[], string>();

/**
 * Whether everything of the answer but the uid follows from the policy names:
 * reviewed and admitted, every image allowed, no warning, no breakglass. (Not
 * the reviewer's test for keeping a decision, which asks other things.)
 */
function answerFollowsFromPolicies(outcome: AdmissionOutcome): boolean {
  return (
    outcome.reviewed &&
    outcome.event === "allow" &&
    outcome.decision.allowed &&
    outcome.warnings.length === 0 &&
    outcome.breakglassMarker === undefined &&
    outcome.decision.images.every((image) => image.verdict === "allowed")
  );
}

/**
 * {@link admissionResponse} as JSON text. A warm webhook answers the same
 * plain admission over and over, with only the uid changing, so the rest of
 * that answer is serialized once per policy set instead of per request.
 */
export function admissionResponseText(review: AdmissionReviewRequest, outcome: AdmissionOutcome): string {
  if (!answerFollowsFromPolicies(outcome)) return JSON.stringify(admissionResponse(review, outcome));
  let tail = plainAdmissionTails.get(outcome.policies);
  if (tail === undefined) {
    // The whole answer for an empty uid, less its head: `{…"response":{"uid":""`.
    const whole = JSON.stringify(admissionResponse({ ...review, uid: "" }, outcome));
    tail = whole.slice(whole.indexOf(`"uid":""`) + `"uid":""`.length);
    plainAdmissionTails.set(outcome.policies, tail);
  }
  return `{"apiVersion":${JSON.stringify(review.apiVersion)},"kind":"AdmissionReview","response":{"uid":${JSON.stringify(review.uid)}${tail}`;
}

/** A denial for a request the webhook failed to review (fail closed, uid echoed). */
export function internalErrorResponse(
  review: AdmissionReviewRequest,
  message = "the admission webhook could not review this request and denies it; its log has the details",
): Json {
  return {
    apiVersion: review.apiVersion,
    kind: "AdmissionReview",
    response: {
      uid: review.uid,
      allowed: false,
      status: {
        code: 500,
        reason: "InternalError",
        message,
      },
    },
  };
}
