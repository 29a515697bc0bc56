/**
 * @module admission/records/deployment-record
 *
 * "Where does this digest run?" answered by Grafeas: every image of every Pod
 * the webhook admits becomes a DEPLOYMENT occurrence, and the background
 * re-check gives it an `undeployTime` once the Pod is gone.
 *
 * - **Note** `projects/DEPLOY/notes/CLUSTER` (a DEPLOYMENT note whose
 *   `resourceUri` is `kubernetes://CLUSTER`), created on first use.
 * - **Occurrence** per Pod and image, in project DEPLOY:
 *   - `resourceUri`: the image, `https://registry/path@sha256:…` (the
 *     Grafeas convention; an image admitted by tag, through an allowlist, is
 *     recorded as `https://registry/path:tag`);
 *   - `deployment.deployTime`: when it was admitted;
 *     `deployment.undeployTime`: set by the re-check when the Pod is gone or
 *     no longer runs the image;
 *   - `deployment.address`: the Pod (`kubernetes://CLUSTER/api/v1/namespaces/NS/pods/NAME`);
 *   - `deployment.config`: JSON naming the Pod exactly (namespace, name,
 *     uid, container path, owner), which the re-check reads back;
 *   - `deployment.resourceUri`: the image again; `deployment.userEmail`: who
 *     created the Pod (`request.userInfo.username`); `deployment.platform`:
 *     configurable (`CUSTOM` by default; `GKE` on GKE).
 *
 * So the question is one indexed query (`resourceUri` and `kind` are
 * columns):
 *
 *     GET /v1/projects/DEPLOY/occurrences?filter=
 *       resourceUri="https://registry/path@sha256:…" AND kind="DEPLOYMENT"
 *
 * and adding `AND NOT deployment.undeployTime:*` keeps only what still runs.
 *
 * Pods, not their controllers: a Pod is what runs an image, and its
 * existence is what the re-check can observe with the least privilege (list
 * pods); a Deployment whose Pods never start runs nothing. The controller is
 * named in `config.owner`. On UPDATE (an ephemeral container added by
 * `kubectl debug`, an image changed in place) only the images that are new
 * are recorded. Requests with `dryRun: true` record nothing.
 */
import { parseImageReference, formatImageReference, pinnedReference } from "../../image/image-reference.js";
import type { JsonObject } from "../../policy/crds/field-reader.js";
import type { AdmissionInput } from "../admission-input.js";
import { metadataOf, namespaceOf } from "../admission-input.js";
import type { AdmissionOutcome } from "../review-admission.js";
import { clusterUri, objectNameOf, podUri } from "./object-uri.js";

export const deploymentPlatforms = ["CUSTOM", "GKE", "FLEX", "PLATFORM_UNSPECIFIED"] as const;
export type DeploymentPlatform = (typeof deploymentPlatforms)[number];

export interface DeploymentRecordContext {
  /** The Grafeas project holding the cluster's DEPLOYMENT note and occurrences. */
  readonly project: string;
  readonly cluster: string;
  readonly platform: DeploymentPlatform;
  readonly now: Date;
}

/** What `deployment.config` holds: the Pod and container an occurrence is about. */
export interface DeployedContainer {
  readonly namespace: string;
  readonly pod: string;
  /** The Pod's `metadata.uid` (a Pod deleted and re-created under the same name has another). */
  readonly uid: string | undefined;
  /** `spec.containers[0]`. */
  readonly container: string;
  readonly image: string;
  /** `ReplicaSet/web-7d9f`, when the Pod has a controller. */
  readonly owner: string | undefined;
}

export interface DeploymentRecords {
  readonly noteId: string;
  readonly noteName: string;
  readonly note: JsonObject;
  readonly occurrences: readonly JsonObject[];
}

/** The cluster's DEPLOYMENT note. */
export function deploymentNote(cluster: string): JsonObject {
  return {
    shortDescription: `Pods running in cluster ${cluster}`,
    longDescription: `One occurrence per image of every Pod the admission webhook of cluster ${cluster} admitted; undeployTime is set once the Pod is gone.`,
    deployment: { resourceUri: [clusterUri(cluster)] },
  };
}

/** The Grafeas resource URI an image is recorded under, or undefined when it cannot be read. */
export function imageResourceUri(image: string): string | undefined {
  try {
    const reference = parseImageReference(image);
    return `https://${pinnedReference(reference) ?? formatImageReference(reference)}`;
  } catch {
    return undefined;
  }
}

function ownerOf(object: unknown): string | undefined {
  const owners = metadataOf(object)?.["ownerReferences"];
  if (!Array.isArray(owners)) return undefined;
  const controller = (owners as unknown[]).find(
    (o): o is Record<string, unknown> => typeof o === "object" && o !== null && (o as Record<string, unknown>)["controller"] === true,
  );
  const kind = controller?.["kind"];
  const name = controller?.["name"];
  return typeof kind === "string" && typeof name === "string" ? `${kind}/${name}` : undefined;
}

const isPod = (input: AdmissionInput) => input.kind.group === "" && input.kind.kind === "Pod";

/** The DEPLOYMENT occurrences for an admitted Pod (none for anything else, a denial, or a dry-run request). */
export function deploymentRecords(input: AdmissionInput, outcome: AdmissionOutcome, context: DeploymentRecordContext): DeploymentRecords | undefined {
  if (!outcome.reviewed || !outcome.decision.allowed || input.dryRun === true || !isPod(input)) return undefined;
  if (input.operation !== "CREATE" && input.operation !== "UPDATE") return undefined;
  const namespace = namespaceOf(input);
  const pod = objectNameOf(input);
  const uid = metadataOf(input.object)?.["uid"];
  const owner = ownerOf(input.object);
  const noteId = context.cluster;
  const noteName = `projects/${context.project}/notes/${noteId}`;
  const occurrences: JsonObject[] = [];
  for (const decided of outcome.decision.images) {
    if (decided.allowedBy?.kind === "unchanged-on-update") continue;
    const resourceUri = imageResourceUri(decided.image.image);
    if (resourceUri === undefined) continue;
    const config: DeployedContainer = {
      namespace,
      pod,
      uid: typeof uid === "string" && uid !== "" ? uid : undefined,
      container: decided.image.containerPath,
      image: decided.image.image,
      owner,
    };
    occurrences.push({
      resourceUri,
      noteName,
      deployment: {
        ...(input.user === undefined ? {} : { userEmail: input.user }),
        deployTime: context.now.toISOString(),
        config: JSON.stringify(config),
        address: podUri(context.cluster, namespace, pod),
        resourceUri: [resourceUri],
        platform: context.platform,
      },
    });
  }
  if (occurrences.length === 0) return undefined;
  return { noteId, noteName, note: deploymentNote(context.cluster), occurrences };
}

/** Reads back `deployment.config` of a stored occurrence; undefined for anything this module did not write. */
export function deployedContainerOf(occurrence: unknown): DeployedContainer | undefined {
  if (typeof occurrence !== "object" || occurrence === null) return undefined;
  const deployment = (occurrence as Record<string, unknown>)["deployment"];
  const config = typeof deployment === "object" && deployment !== null ? (deployment as Record<string, unknown>)["config"] : undefined;
  if (typeof config !== "string") return undefined;
  try {
    const parsed = JSON.parse(config) as Record<string, unknown>;
    const text = (key: string) => (typeof parsed[key] === "string" ? parsed[key] : undefined);
    const namespace = text("namespace");
    const pod = text("pod");
    const container = text("container");
    const image = text("image");
    if (namespace === undefined || pod === undefined || container === undefined || image === undefined) return undefined;
    return { namespace, pod, uid: text("uid"), container, image, owner: text("owner") };
  } catch {
    return undefined;
  }
}
