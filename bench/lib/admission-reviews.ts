/**
 * @module bench/lib/admission-reviews
 *
 * What the admission figures send and read: AdmissionReview v1 requests for
 * the CREATE of a Pod with N containers (as the API server sends them to
 * `POST /validate?timeout=10s`), the pinned images they run, and the counters
 * the webhook's /metrics exposes (how many reviews it decided, how many
 * verifications actually ran).
 */
import { createHash } from "node:crypto";
import type { HttpRequestTemplate } from "./load-spec.js";

/** The namespace the bench policies govern. */
export const reviewNamespace = "bench";

/** A pinned image; `n` makes distinct images, `pool` distinct sets of them. */
export function benchImage(pool: string, n: number): string {
  const digest = createHash("sha256").update(`${pool}-${n}`).digest("hex");
  return `registry.example.com/${pool}/app-${n}@sha256:${digest}`;
}

/** An AdmissionReview v1 for the CREATE of Pod `name` running `images`, one container each. */
export function podReview(uid: string, name: string, images: readonly string[]): string {
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      requestKind: { group: "", version: "v1", kind: "Pod" },
      requestResource: { group: "", version: "v1", resource: "pods" },
      namespace: reviewNamespace,
      name,
      operation: "CREATE",
      userInfo: { username: "system:serviceaccount:kube-system:replicaset-controller", groups: ["system:serviceaccounts"] },
      object: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: reviewNamespace, labels: { app: name } },
        spec: { containers: images.map((image, i) => ({ name: `c${i}`, image, ports: [{ containerPort: 8080 + i }] })) },
      },
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
    },
  });
}

/** The API server's request for one review. */
export function reviewRequest(body: string): HttpRequestTemplate {
  return { method: "POST", path: "/validate?timeout=10s", headers: { "content-type": "application/json" }, body };
}

/**
 * `count` reviews of Pods with `containers` containers each, taking
 * consecutive images from `pool` (wrapping around), each with its own uid.
 */
export function podReviews(pool: readonly string[], containers: number, count: number, tag: string): HttpRequestTemplate[] {
  if (pool.length < containers) throw new Error(`a pool of ${pool.length} images cannot fill ${containers} containers`);
  return Array.from({ length: count }, (_, r) => {
    const images = Array.from({ length: containers }, (_, c) => pool[(r * containers + c) % pool.length]!);
    return reviewRequest(podReview(`${tag}-${r}`, `${tag}-${r}`, images));
  });
}

/** The uid and decision of a webhook answer; throws when it is not an AdmissionReview response. */
export function reviewAnswer(body: string): { uid: string; allowed: boolean; message: string | undefined } {
  const parsed = JSON.parse(body) as { response?: { uid?: unknown; allowed?: unknown; status?: { message?: string } } };
  const response = parsed.response;
  if (typeof response?.uid !== "string" || typeof response.allowed !== "boolean") {
    throw new Error(`not an AdmissionReview response: ${body.slice(0, 200)}`);
  }
  return { uid: response.uid, allowed: response.allowed, message: response.status?.message };
}

/**
 * The sum of the samples of `name` in Prometheus text whose labels include
 * every pair of `labels` (0 when there is none).
 */
export function metricSum(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$/.exec(line.trim());
    if (match === null || match[1] !== name) continue;
    const found = new Map<string, string>();
    for (const pair of (match[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) found.set(pair[1]!, pair[2]!);
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) sum += Number(match[4]);
  }
  return sum;
}
