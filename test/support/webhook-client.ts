/**
 * @module test/support/webhook-client
 *
 * Calls an admission webhook the way the Kubernetes API server does: HTTPS
 * verified against the webhook's CA, `POST /validate?timeout=Ns` with an
 * `admission.k8s.io/v1` AdmissionReview; and reads its probe and metrics
 * endpoints.
 */
import { request } from "node:https";

/** The JSON bodies the webhook answers with, as far as tests read them. */
export interface WebhookJson {
  readonly response?: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: { readonly code: number; readonly message: string };
    readonly warnings?: readonly string[];
  };
  /** `/readyz`: `ready` or `not ready`. */
  readonly status?: string;
  readonly checks?: Readonly<Record<string, string>>;
}

export interface WebhookReply {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  readonly json: WebhookJson | undefined;
  /** Milliseconds from sending the request to the end of the answer. */
  readonly elapsedMs: number;
}

export function httpsCall(url: string, ca: string, path: string, body?: string): Promise<WebhookReply> {
  const started = performance.now();
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: body === undefined ? "GET" : "POST",
        ca,
        headers: body === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: WebhookJson | undefined;
          try {
            json = JSON.parse(text) as WebhookJson;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], text, json, elapsedMs: performance.now() - started });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** An AdmissionReview v1 for the CREATE of a Pod with one container. */
export function podCreateReview(namespace: string, name: string, image: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: `uid-${namespace}-${name}`,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace,
      name,
      operation: "CREATE",
      userInfo: { username: "alice@example.com" },
      object: { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, uid: `pod-${name}` }, spec: { containers: [{ name: "app", image }] } },
      dryRun: false,
      ...extra,
    },
  });
}
