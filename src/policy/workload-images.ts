/**
 * @module policy/workload-images
 *
 * Every container image of an AdmissionReview `request.object`, with the path
 * of the field that names it, so a denial can say exactly which line of the
 * manifest to change.
 *
 * Kritis reviewed only Pods, Deployments and ReplicaSets, and only their
 * `containers` and `initContainers`: `kubectl debug` (ephemeral containers)
 * and the other controllers went through unchecked, or failed later, silently,
 * at Pod creation. Here every Pod-carrying kind is read:
 *
 * | kind (API group)                                  | pod spec at                        |
 * |---------------------------------------------------|------------------------------------|
 * | Pod (core)                                        | `spec`                             |
 * | Pod, subresource `ephemeralcontainers` (core)     | `spec`                             |
 * | EphemeralContainers (core; Kubernetes 1.16–1.21)  | the object itself                  |
 * | ReplicationController (core)                      | `spec.template.spec` (optional)    |
 * | Deployment, ReplicaSet, StatefulSet, DaemonSet (apps, extensions) | `spec.template.spec` |
 * | Job (batch)                                       | `spec.template.spec`               |
 * | CronJob (batch)                                   | `spec.jobTemplate.spec.template.spec` |
 *
 * In each pod spec, `containers`, `initContainers` and `ephemeralContainers`
 * are read, in that order. The group is checked, so a custom resource that
 * happens to be called `Job` is not mistaken for a batch Job.
 *
 * A malformed object is an INVALID_ARGUMENT error listing every bad field;
 * nothing here throws anything else on odd input. One deliberate leniency:
 * Kubernetes lets a controller's pod template leave `image` empty ("to allow
 * higher level config management to default or override container images"),
 * so an empty image in a template is a warning, not an error; the Pods it
 * produces are reviewed when they are created.
 */
import { ScribaError } from "../errors.js";
import type { FieldViolation } from "../errors.js";
import { formatImageReference, parseImageReference } from "../image/image-reference.js";

/** `request.kind` of an AdmissionReview, without the version (every served version has the same pod paths). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

export type ContainerType = "container" | "initContainer" | "ephemeralContainer";

export interface WorkloadImage {
  /** The field that names the image: `spec.template.spec.initContainers[0].image`. */
  readonly path: string;
  /** The container: `spec.template.spec.initContainers[0]`. */
  readonly containerPath: string;
  readonly containerName: string | undefined;
  readonly containerType: ContainerType;
  /** The image exactly as written. */
  readonly image: string;
}

export interface WorkloadImages {
  /** Where the pod spec sits in the object (`""` for the legacy EphemeralContainers object). */
  readonly podSpecPath: string;
  readonly images: readonly WorkloadImage[];
  /** Things worth telling the user that do not make the object invalid. */
  readonly warnings: readonly string[];
}

export interface WorkloadSource {
  readonly kind: GroupKind;
  /** `request.subResource`; empty or absent for the object itself. */
  readonly subResource?: string | undefined;
  /** `request.object` (or `request.oldObject`). */
  readonly object: unknown;
}

interface PodSpecLocation {
  /** Path segments from the object to the pod spec. */
  readonly segments: readonly string[];
  /** False when the whole chain may be absent (a ReplicationController without a template). */
  readonly required: boolean;
  /** Whether the image may be empty (pod templates). */
  readonly template: boolean;
}

const templateSpec: PodSpecLocation = { segments: ["spec", "template", "spec"], required: true, template: true };

const locations: Readonly<Record<string, Readonly<Record<string, PodSpecLocation>>>> = {
  "": {
    Pod: { segments: ["spec"], required: true, template: false },
    EphemeralContainers: { segments: [], required: true, template: false },
    ReplicationController: { ...templateSpec, required: false },
  },
  apps: { Deployment: templateSpec, ReplicaSet: templateSpec, StatefulSet: templateSpec, DaemonSet: templateSpec },
  extensions: { Deployment: templateSpec, ReplicaSet: templateSpec, DaemonSet: templateSpec },
  batch: {
    Job: templateSpec,
    CronJob: { segments: ["spec", "jobTemplate", "spec", "template", "spec"], required: true, template: true },
  },
};

function locate(kind: GroupKind, subResource: string | undefined): PodSpecLocation | undefined {
  const location = locations[kind.group]?.[kind.kind];
  if (location === undefined) return undefined;
  const sub = subResource ?? "";
  if (sub === "") return kind.kind === "EphemeralContainers" ? undefined : location;
  // The only subresource that can change images is pods/ephemeralcontainers.
  if (sub === "ephemeralcontainers" && (kind.kind === "Pod" || kind.kind === "EphemeralContainers")) {
    return location;
  }
  return undefined;
}

/** Whether requests for this kind and subresource carry images to review. */
export function isReviewedWorkload(kind: GroupKind, subResource?: string): boolean {
  return locate(kind, subResource) !== undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

const containerLists: readonly [string, ContainerType][] = [
  ["containers", "container"],
  ["initContainers", "initContainer"],
  ["ephemeralContainers", "ephemeralContainer"],
];

/**
 * The images of a workload, or undefined when the kind (or subresource)
 * carries no pod spec. Throws INVALID_ARGUMENT, listing every bad field, for
 * an object that is not shaped like its kind.
 */
export function extractWorkloadImages(source: WorkloadSource): WorkloadImages | undefined {
  const location = locate(source.kind, source.subResource);
  if (location === undefined) return undefined;
  const problems: FieldViolation[] = [];
  const warnings: string[] = [];
  const images: WorkloadImage[] = [];

  let node: unknown = source.object;
  let path = "";
  if (!isObject(node)) {
    problems.push({ field: "object", description: "must be a JSON object" });
  } else {
    for (const segment of location.segments) {
      path = join(path, segment);
      const next: unknown = (node as Record<string, unknown>)[segment];
      if (next === undefined || next === null) {
        if (location.required) problems.push({ field: path, description: "required" });
        node = undefined;
        break;
      }
      if (!isObject(next)) {
        problems.push({ field: path, description: "must be an object" });
        node = undefined;
        break;
      }
      node = next;
    }
  }
  const podSpecPath = location.segments.join(".");

  if (isObject(node)) {
    for (const [listName, containerType] of containerLists) {
      const listPath = join(podSpecPath, listName);
      const list = node[listName];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        problems.push({ field: listPath, description: "must be a list" });
        continue;
      }
      list.forEach((container: unknown, index) => {
        const containerPath = `${listPath}[${index}]`;
        if (!isObject(container)) {
          problems.push({ field: containerPath, description: "must be an object" });
          return;
        }
        const name = container["name"];
        if (name !== undefined && name !== null && typeof name !== "string") {
          problems.push({ field: `${containerPath}.name`, description: "must be a string" });
        }
        const containerName = typeof name === "string" ? name : undefined;
        const image = container["image"];
        const imagePath = `${containerPath}.image`;
        if (image !== undefined && image !== null && typeof image !== "string") {
          problems.push({ field: imagePath, description: "must be a string" });
          return;
        }
        if (image === undefined || image === null || image === "") {
          if (location.template) {
            warnings.push(
              `${imagePath} is empty; the image of the Pods this template creates will be reviewed when they are created`,
            );
          } else {
            problems.push({ field: imagePath, description: "required" });
          }
          return;
        }
        images.push({ path: imagePath, containerPath, containerName, containerType, image });
      });
    }
  }

  if (problems.length > 0) {
    const list = problems.map((p) => `${p.field}: ${p.description}`).join("; ");
    throw new ScribaError("INVALID_ARGUMENT", `malformed ${source.kind.kind} object: ${list}`, {
      violations: problems,
    });
  }
  return { podSpecPath, images, warnings };
}

/** The identity under which two spellings of one image compare equal. */
function imageIdentity(image: string): string {
  try {
    return formatImageReference(parseImageReference(image));
  } catch {
    return image;
  }
}

export interface UpdateImages {
  /** Images not present anywhere in the old object: these need review. */
  readonly added: readonly WorkloadImage[];
  /** Images the old object already had (possibly in another container). */
  readonly unchanged: readonly WorkloadImage[];
}

/**
 * Splits the images of an UPDATE into new and already-present ones.
 *
 * Recommended rule for UPDATE: review only the **added** images. An image
 * counts as present when the old object names the same normalised reference
 * (tag and digest included) in any container, so renaming or reordering
 * containers, scaling, or editing labels does not re-review, and cannot be
 * blocked by, images that were admitted before; while a changed tag or digest,
 * a new sidecar, or a new ephemeral container (`kubectl debug`) is reviewed.
 * Kritis did not intercept Deployment and ReplicaSet UPDATEs at all, so a
 * template image change was caught only at Pod creation.
 *
 * The trade-off, for the engine to weigh: an image admitted under an older or
 * dry-run policy, or by breakglass, is not re-checked on UPDATE; the
 * background audit of running workloads is the place that catches it.
 */
export function splitUpdateImages(
  current: readonly WorkloadImage[],
  previous: readonly WorkloadImage[],
): UpdateImages {
  const before = new Set(previous.map((image) => imageIdentity(image.image)));
  const added: WorkloadImage[] = [];
  const unchanged: WorkloadImage[] = [];
  for (const image of current) {
    (before.has(imageIdentity(image.image)) ? unchanged : added).push(image);
  }
  return { added, unchanged };
}
