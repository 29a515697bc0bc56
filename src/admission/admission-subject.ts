/**
 * @module admission/admission-subject
 *
 * What a review is about, read off the request once: the object's identity,
 * its namespace and operation, the images it runs (or why they cannot be
 * read), a breakglass marker, and on UPDATE the images it ran before. The
 * plan (./admission-plan.ts) is computed from this and the policies alone,
 * so two requests with the same subject apart from the object's identity
 * (uid, name) get the same decision from the same policies and evidence.
 *
 * {@link subjectKey} spells out exactly that "same": the webhook keys its
 * decision cache (./cache/decision-cache.ts) by it. The identity is left out
 * on purpose; it only ever appears in the texts (messages, warnings, logs),
 * and the cache keeps only decisions that have none.
 */
import type { ObjectReference } from "../policy/decision.js";
import type { WorkloadImage } from "../policy/workload-images.js";
import { extractWorkloadImages } from "../policy/workload-images.js";
import { ScribaError } from "../errors.js";
import type { AdmissionInput } from "./admission-input.js";
import { namespaceOf, objectReferenceOf } from "./admission-input.js";
import type { Breakglass } from "./breakglass.js";
import { findBreakglass } from "./breakglass.js";

/** The object's images as read, or why they cannot be read. */
export type SubjectImages =
  | { readonly images: readonly WorkloadImage[]; readonly podSpecPath: string; readonly warnings: readonly string[] }
  | { readonly malformed: string };

export interface AdmissionSubject {
  /** How messages name the object; not part of {@link subjectKey}. */
  readonly object: ObjectReference;
  readonly namespace: string;
  readonly operation: string;
  /** The kind (`apps/Deployment`, `/Pod`) and subresource (`/Pod/ephemeralcontainers`) the request is for. */
  readonly resource: string;
  /** Undefined when the request carries nothing to review (another operation, or a kind without a pod spec). */
  readonly read: SubjectImages | undefined;
  readonly breakglass: Breakglass;
  /** On UPDATE, the images the old object had (none when it cannot be read: everything is judged). */
  readonly previousImages: readonly WorkloadImage[];
}

const reviewedOperations = new Set(["CREATE", "UPDATE"]);
const notRequested: Breakglass = { requested: false };

function readImages(input: AdmissionInput): SubjectImages | undefined {
  try {
    const extracted = extractWorkloadImages({ kind: input.kind, subResource: input.subResource, object: input.object });
    return extracted === undefined ? undefined : { images: extracted.images, podSpecPath: extracted.podSpecPath, warnings: extracted.warnings };
  } catch (error) {
    if (error instanceof ScribaError && error.code === "INVALID_ARGUMENT") return { malformed: error.message };
    throw error;
  }
}

function previousImages(input: AdmissionInput): readonly WorkloadImage[] {
  if (input.oldObject === undefined || input.oldObject === null) return [];
  try {
    return extractWorkloadImages({ kind: input.kind, subResource: input.subResource, object: input.oldObject })?.images ?? [];
  } catch {
    return [];
  }
}

/** Reads the subject of a request. Pure. */
export function admissionSubject(input: AdmissionInput): AdmissionSubject {
  const object = objectReferenceOf(input);
  const namespace = object.namespace ?? namespaceOf(input);
  const operation = input.operation;
  const resource = `${input.kind.group}/${input.kind.kind}${input.subResource ? `/${input.subResource}` : ""}`;
  const read = reviewedOperations.has(operation) ? readImages(input) : undefined;
  if (read === undefined) return { object, namespace, operation, resource, read, breakglass: notRequested, previousImages: [] };
  return {
    object,
    namespace,
    operation,
    resource,
    read,
    breakglass: findBreakglass(input, "podSpecPath" in read ? read.podSpecPath : undefined),
    previousImages: operation === "UPDATE" ? previousImages(input) : [],
  };
}

function pushImages(parts: string[], images: readonly WorkloadImage[]): void {
  // Tabs and newlines cannot occur in a field path; in a container name or image they would only make a key that matches nothing else.
  for (const image of images) parts.push(`${image.path}\t${image.containerName ?? ""}\t${image.image}`);
}

/**
 * Everything of the subject the decision depends on, as one string, for a
 * subject whose decision may be reused: one whose images were read, with no
 * breakglass marker (a use is reported every time) and nothing to warn
 * about. Undefined for any other subject.
 */
export function subjectKey(subject: AdmissionSubject): string | undefined {
  const read = subject.read;
  if (read === undefined || "malformed" in read || read.warnings.length > 0 || subject.breakglass.requested) return undefined;
  const parts = [subject.namespace, subject.operation, subject.resource, read.podSpecPath];
  pushImages(parts, read.images);
  if (subject.operation === "UPDATE") {
    parts.push("before:");
    pushImages(parts, subject.previousImages);
  }
  // Joined rather than appended: one flat string, which the cache's map hashes without first copying it flat.
  return parts.join("\n");
}
