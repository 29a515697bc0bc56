/**
 * @module kube/pod-client
 *
 * What the background re-check of running pods needs from the API: list pods
 * (every namespace or one, page by page), and mark each pod with the outcome
 * of its review, in Kritis' labels and annotations so existing queries keep
 * working (`kubectl get pods -l kritis.grafeas.io/invalidImageSecPolicy`):
 *
 * | key | label | annotation |
 * |---|---|---|
 * | `kritis.grafeas.io/attestation` | `attested` / `notAttested` | `Previously attested.` / why not |
 * | `kritis.grafeas.io/invalidImageSecPolicy` | `invalidImageSecPolicy` | `found N CVEs`, then the other reasons |
 *
 * Unlike Kritis, which only ever added marks, a pod that passes again loses
 * the marks that no longer apply: a stale `invalidImageSecPolicy` label on a
 * clean pod sends people chasing a problem that is gone. The patch is
 * minimal (only keys whose value differs) and is not sent at all when the pod
 * is already marked correctly. Pods are only labelled, never deleted or evicted.
 */
import type { KubeConfig, V1Pod } from "@kubernetes/client-node";
import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { ScribaError } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import { silentLogger } from "../logging/logger.js";
import { describeFailure, httpStatusOfFailure } from "./api-failure.js";
import { podResource } from "./kritis-resources.js";

export const attestationMarkKey = "kritis.grafeas.io/attestation";
export const invalidImageSecPolicyMarkKey = "kritis.grafeas.io/invalidImageSecPolicy";

export const attestedLabel = "attested";
export const notAttestedLabel = "notAttested";
export const invalidImageSecPolicyLabel = "invalidImageSecPolicy";
export const attestedAnnotation = "Previously attested.";
/** Kritis' wording, used when no more specific reason is given. */
export const defaultNotAttestedAnnotation = "No valid attestations present. This pod will not be able to restart in future";

/** Whether the pod's images carry valid attestations. */
export type AttestationOutcome =
  | { readonly attested: true }
  | { readonly attested: false; /** Why not; Kritis' sentence when absent. */ readonly reason?: string | undefined };

/** What the vulnerability policy found wrong with the pod's images. */
export interface VulnerabilityViolations {
  /** Vulnerabilities over the thresholds. */
  readonly cveCount: number;
  /** Other reasons, such as an image referenced by tag instead of digest. */
  readonly reasons?: readonly string[] | undefined;
}

/** The outcome of re-checking one pod. */
export interface PodReviewOutcome {
  /** Undefined when no attestation check applies to the pod: the attestation marks are removed. */
  readonly attestation?: AttestationOutcome | undefined;
  /** Undefined, or no CVE and no reason, when the pod passes: the violation marks are removed. */
  readonly violations?: VulnerabilityViolations | undefined;
}

/** A JSON merge patch of pod metadata: a value sets a key, `null` removes it. */
export interface PodMarkPatch {
  readonly metadata: {
    readonly labels?: Readonly<Record<string, string | null>>;
    readonly annotations?: Readonly<Record<string, string | null>>;
  };
}

export type PodMarkResult =
  | { readonly result: "patched"; readonly patch: PodMarkPatch; readonly pod: V1Pod }
  | { readonly result: "unchanged"; readonly pod: V1Pod }
  /** The pod was deleted before it could be marked. */
  | { readonly result: "gone"; readonly patch: PodMarkPatch };

interface Marks {
  readonly labels: Record<string, string | undefined>;
  readonly annotations: Record<string, string | undefined>;
}

/** The label and annotation values an outcome calls for; undefined means "must be absent". */
export function podReviewMarks(outcome: PodReviewOutcome): Marks {
  const attestation = outcome.attestation;
  const violations = outcome.violations;
  const violated = violations !== undefined && (violations.cveCount > 0 || (violations.reasons?.length ?? 0) > 0);
  return {
    labels: {
      [attestationMarkKey]: attestation === undefined ? undefined : attestation.attested ? attestedLabel : notAttestedLabel,
      [invalidImageSecPolicyMarkKey]: violated ? invalidImageSecPolicyLabel : undefined,
    },
    annotations: {
      [attestationMarkKey]:
        attestation === undefined
          ? undefined
          : attestation.attested
            ? attestedAnnotation
            : attestation.reason || defaultNotAttestedAnnotation,
      [invalidImageSecPolicyMarkKey]: violated
        ? [`found ${violations.cveCount} CVEs`, ...(violations.reasons ?? [])].join(", ")
        : undefined,
    },
  };
}

function differences(
  current: Readonly<Record<string, string>> | undefined,
  wanted: Readonly<Record<string, string | undefined>>,
): Record<string, string | null> | undefined {
  const changes: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(wanted)) {
    const present = current?.[key];
    if (value === undefined && present !== undefined) changes[key] = null;
    else if (value !== undefined && present !== value) changes[key] = value;
  }
  return Object.keys(changes).length === 0 ? undefined : changes;
}

/**
 * The smallest merge patch that gives `pod` the marks of `outcome` (and
 * removes the ones it no longer deserves), or undefined when it already has
 * exactly those. Other labels and annotations are never touched.
 */
export function podReviewPatch(pod: V1Pod, outcome: PodReviewOutcome): PodMarkPatch | undefined {
  const wanted = podReviewMarks(outcome);
  const labels = differences(pod.metadata?.labels, wanted.labels);
  const annotations = differences(pod.metadata?.annotations, wanted.annotations);
  if (labels === undefined && annotations === undefined) return undefined;
  return { metadata: { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) } };
}

export interface ListPodsOptions {
  /** One namespace; every namespace when absent. */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
}

export interface PodClientOptions {
  readonly logger?: Logger;
  /** Pods per LIST page (default 500). */
  readonly pageSize?: number;
}

/** How many times a listing restarts when its `continue` token expires mid-way. */
const listRestarts = 2;

export class PodClient {
  private readonly core: CoreV1Api;
  private readonly log: Logger;
  private readonly pageSize: number;

  constructor(kubeConfig: KubeConfig, options: PodClientOptions = {}) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.log = (options.logger ?? silentLogger).child({ component: "pod-client" });
    this.pageSize = options.pageSize ?? 500;
  }

  /**
   * Every pod (of one namespace, or all), following `continue` tokens. A
   * listing whose token expires (410) starts over, so the result is one
   * consistent snapshot. Throws UNAVAILABLE when the API cannot be read.
   */
  async listPods(options: ListPodsOptions = {}): Promise<V1Pod[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.listOnce(options);
      } catch (error) {
        if (httpStatusOfFailure(error) === 410 && attempt < listRestarts) {
          this.log.info("pod listing expired mid-way; starting over", { namespace: options.namespace });
          continue;
        }
        const where = options.namespace === undefined ? "in all namespaces" : `in namespace ${options.namespace}`;
        throw new ScribaError("UNAVAILABLE", `listing pods ${where} failed: ${describeFailure(error, podResource, "list")}`, { cause: error });
      }
    }
  }

  private async listOnce(options: ListPodsOptions): Promise<V1Pod[]> {
    const pods: V1Pod[] = [];
    let token: string | undefined;
    do {
      const query = {
        limit: this.pageSize,
        ...(token === undefined ? {} : { _continue: token }),
        ...(options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector }),
        ...(options.fieldSelector === undefined ? {} : { fieldSelector: options.fieldSelector }),
      };
      const page =
        options.namespace === undefined
          ? await this.core.listPodForAllNamespaces(query)
          : await this.core.listNamespacedPod({ namespace: options.namespace, ...query });
      pods.push(...page.items);
      token = page.metadata?._continue || undefined;
    } while (token !== undefined);
    return pods;
  }

  /**
   * Marks `pod` with the outcome of its review (see the module header):
   * sends the minimal merge patch, or nothing when the pod is already marked
   * so. A pod deleted meanwhile is reported as `gone`. Throws UNAVAILABLE when
   * the patch fails otherwise.
   */
  async setPodReviewLabels(pod: V1Pod, outcome: PodReviewOutcome): Promise<PodMarkResult> {
    const patch = podReviewPatch(pod, outcome);
    if (patch === undefined) return { result: "unchanged", pod };
    const name = pod.metadata?.name;
    const namespace = pod.metadata?.namespace;
    if (!name || !namespace) throw new ScribaError("INVALID_ARGUMENT", "the pod to mark has no name or namespace");
    try {
      const patched = await this.core.patchNamespacedPod(
        { name, namespace, body: patch },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      this.log.debug("marked pod", { namespace, name, patch });
      return { result: "patched", patch, pod: patched };
    } catch (error) {
      if (httpStatusOfFailure(error) === 404) return { result: "gone", patch };
      throw new ScribaError("UNAVAILABLE", `marking pod ${namespace}/${name} failed: ${describeFailure(error, podResource, "patch")}`, {
        cause: error,
      });
    }
  }
}
