/**
 * @module bench/servers/noop-webhook
 *
 * The admission baseline: a bare node:https server that reads each
 * AdmissionReview, parses it, and answers `allowed: true` with its uid. What
 * a webhook costs when it decides nothing: TLS, HTTP and the JSON of the
 * review, on the same certificate Scriba's webhook serves.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";

export interface NoopWebhookSpec {
  readonly kind: "noop-webhook";
  readonly certFile: string;
  readonly keyFile: string;
}

export function startNoopWebhook(spec: NoopWebhookSpec): Promise<Server> {
  const server = createServer({ cert: readFileSync(spec.certFile), key: readFileSync(spec.keyFile) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const review = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { request?: { uid?: string } };
      const body = JSON.stringify({
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        response: { uid: review.request?.uid ?? "", allowed: true },
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
