/**
 * @module server/health-routes
 *
 * `/healthz` answers while the process runs; `/readyz` answers 200 only while
 * the store can serve requests, so a load balancer or Kubernetes stops sending
 * traffic to a replica whose database went away, and resumes when it returns.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../store/store.js";

function send(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

export function healthRoutes(store: Store, readyTimeoutMs = 2000) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = req.url?.split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    if (path === "/healthz") {
      send(res, 200, { status: "ok" });
      return true;
    }
    if (path === "/readyz") {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("store ping timed out")), readyTimeoutMs).unref(),
      );
      Promise.race([store.ping(), timeout]).then(
        () => send(res, 200, { status: "ready", store: store.kind }),
        (error: unknown) =>
          send(res, 503, { status: "unavailable", store: store.kind, reason: error instanceof Error ? error.message : "unavailable" }),
      );
      return true;
    }
    return false;
  };
}
