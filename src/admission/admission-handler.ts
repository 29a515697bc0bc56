/**
 * @module admission/admission-handler
 *
 * The webhook's HTTP edge, as a node request handler so it can be served by
 * its own HTTPS listener (./webhook-server.ts) or mounted beside the Grafeas
 * API in `scriba serve`. It only translates: AdmissionReview in, engine
 * outcome out; every rule lives in the engine.
 *
 * | route | answer |
 * |---|---|
 * | `POST /validate`, `POST /` | an AdmissionReview response (HTTP 200), whatever the decision |
 * | `GET /healthz` | 200 `{"status":"ok"}` while the process serves |
 * | `GET /readyz` | 200 once ready (./readiness.ts), else 503; the body says why |
 * | `GET /metrics` | the Prometheus text exposition (./admission-metrics.ts) |
 * | anything else | 404 (unknown path) or 405 (wrong method), as JSON |
 *
 * Client mistakes are 4xx with a JSON body `{"error": {code, status,
 * message}}` (Google API style, like the rest of Scriba), never a crash and
 * never a 500: a body over the size bound (3 MiB by default: Kubernetes
 * objects are at most about 1.5 MiB, and an UPDATE carries two) is 413, a
 * content type other than JSON is 415, unparsable JSON or a review of the
 * wrong shape is 400. Should the engine itself fail, the request is denied
 * (fail closed, with its uid) and the error is logged.
 *
 * The API server appends `?timeout=10s` (the webhook's `timeoutSeconds`) to
 * every call; the metadata budget is that minus a margin, so the webhook
 * answers, with a reasoned denial, before the API server gives up on it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ScribaError } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import { silentLogger } from "../logging/logger.js";
import { MetricsRegistry } from "../metrics/metrics-registry.js";
import type { AdmissionMetrics } from "./admission-metrics.js";
import type { AdmissionReviewRequest } from "./admission-review.js";
import { admissionResponseText, internalErrorResponse, parseAdmissionReview } from "./admission-review.js";
import type { ReadinessStatus } from "./readiness.js";
import type { AdmissionOutcome, AdmissionReviewer, AdmissionReviewerOptions, ReviewOptions } from "./review-admission.js";
import { createAdmissionReviewer } from "./review-admission.js";

export type AdmissionRequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface AdmissionHandlerOptions extends AdmissionReviewerOptions {
  /** Largest request body accepted (default 3 MiB). */
  readonly maxBodyBytes?: number | undefined;
  /** Upper bound for one review's metadata fetch (default 8000 ms; less when the API server's timeout is shorter). */
  readonly reviewTimeoutMs?: number | undefined;
  /** A reviewer to use instead of building one from the options. */
  readonly reviewer?: AdmissionReviewer | undefined;
  /** What `/readyz` reports; always ready when absent. */
  readonly readiness?: (() => ReadinessStatus) | undefined;
  /** Served at `/metrics`; failed reviews are counted as `decision="error"`. */
  readonly metrics?: AdmissionMetrics | undefined;
}

export const defaultMaxBodyBytes = 3 * 1024 * 1024;
export const defaultReviewTimeoutMs = 8000;
/** Left for verification, judgement and the answer when the API server's timeout bounds the review. */
export const answerMarginMs = 1500;

/**
 * The metadata budget of one review: the configured bound, never later than
 * the API server's timeout (its `?timeout=`) minus {@link answerMarginMs},
 * and at least 500 ms.
 */
export function reviewBudgetMs(configuredMs: number, apiServerTimeoutMs: number | undefined): number {
  return Math.max(500, Math.min(configuredMs, apiServerTimeoutMs === undefined ? configuredMs : apiServerTimeoutMs - answerMarginMs));
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly statusName: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJsonText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  // Flat [name, value, …]: what node:http would make of an object anyway, without the object.
  const all = ["content-type", "application/json; charset=utf-8", "content-length", String(Buffer.byteLength(text)), "cache-control", "no-store"];
  for (const name in headers) all.push(name, headers[name]!);
  response.writeHead(status, all);
  response.end(text);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(response, status, JSON.stringify(body), headers);
}

function sendProblem(response: ServerResponse, problem: HttpProblem, headers: Record<string, string> = {}): void {
  sendJson(response, problem.status, { error: { code: problem.status, status: problem.statusName, message: problem.message } }, headers);
}

/** Reads the body and hands it to `done`, or the reason it cannot be read (callbacks: see `validate`). */
function readBody(request: IncomingMessage, limit: number, done: (error: Error | undefined, body?: Buffer) => void): void {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    done(new HttpProblem(413, "RESOURCE_EXHAUSTED", `the body is larger than ${limit} bytes`));
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (error: Error | undefined, body?: Buffer) => {
    if (settled) return;
    settled = true;
    done(error, body);
  };
  request.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      settle(new HttpProblem(413, "RESOURCE_EXHAUSTED", `the body is larger than ${limit} bytes`));
      request.pause();
      return;
    }
    chunks.push(chunk);
  });
  // A review usually arrives in one chunk: use it as it is rather than copy it into a new buffer.
  request.on("end", () => settle(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  request.on("error", (error) => settle(error));
}

/** The API server's `?timeout=10s`, in milliseconds. */
function apiServerTimeoutMs(query: string): number | undefined {
  const match = /(?:^|&)timeout=(\d{1,3})s(?:&|$)/.exec(query);
  return match === null ? undefined : Number(match[1]) * 1000;
}

/** A request target's path and query (`/validate`, `timeout=10s`). */
function splitTarget(target: string): { path: string; query: string } {
  if (!target.startsWith("/")) {
    // An absolute-form target (the API server sends origin-form ones).
    const url = URL.canParse(target) ? new URL(target) : undefined;
    return { path: url?.pathname ?? target, query: url?.search.slice(1) ?? "" };
  }
  const at = target.indexOf("?");
  return at < 0 ? { path: target, query: "" } : { path: target.slice(0, at), query: target.slice(at + 1) };
}

/**
 * The abort signal of one review, made on first use: a review answered from
 * the caches never waits, so it never needs to hear that the client left,
 * and most reviews then cost no AbortController and no listener.
 */
function clientGoneSignal(request: IncomingMessage, response: ServerResponse): () => AbortSignal {
  let controller: AbortController | undefined;
  return () => {
    if (controller === undefined) {
      const made = new AbortController();
      const gone = () => {
        if (!response.writableFinished) made.abort();
      };
      if (request.socket.destroyed) gone();
      else response.on("close", gone);
      controller = made;
    }
    return controller.signal;
  };
}

/**
 * The options of one review, its abort signal made on first read. A class
 * with the getter on its prototype, not an object literal with a
 * `get signal()`: V8 holds a literal's getter in an accessor pair it allocates
 * in the old generation, so the per-request closure (and through it the
 * request, the response and the parsed review) survived every
 * young-generation collection until a full one. Under load that promoted
 * every request's objects and made each young-generation collection take
 * about 6 ms instead of 1.
 */
class ReviewCall implements ReviewOptions {
  readonly timeoutMs: number;
  readonly #signal: () => AbortSignal;

  constructor(timeoutMs: number, signal: () => AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.#signal = signal;
  }

  get signal(): AbortSignal {
    return this.#signal();
  }
}

/** The problem to answer when the request does not say its body is JSON. */
function contentTypeProblem(request: IncomingMessage): HttpProblem | undefined {
  const type = request.headers["content-type"] ?? "";
  if (/^application\/json\s*(;|$)/i.test(type)) return undefined;
  return new HttpProblem(415, "INVALID_ARGUMENT", `the body must be application/json, got ${JSON.stringify(type.slice(0, 100))}`);
}

/** The review in a body; throws the HttpProblem to answer when there is none. */
function parseReviewBody(body: Buffer): AdmissionReviewRequest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new HttpProblem(400, "INVALID_ARGUMENT", `the body is not valid JSON: ${error instanceof Error ? error.message : "parse error"}`);
  }
  try {
    return parseAdmissionReview(json);
  } catch (error) {
    if (error instanceof ScribaError) throw new HttpProblem(400, "INVALID_ARGUMENT", error.message);
    throw error;
  }
}

/** Builds the request handler (see the module comment for routes and answers). */
export function createAdmissionHandler(options: AdmissionHandlerOptions): AdmissionRequestHandler {
  const reviewer = options.reviewer ?? createAdmissionReviewer(options);
  const logger: Logger = options.logger ?? silentLogger;
  const limit = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const configuredTimeout = options.reviewTimeoutMs ?? defaultReviewTimeoutMs;

  function refuse(request: IncomingMessage, response: ServerResponse, problem: HttpProblem): void {
    logger.warn("admission request refused", { status: problem.status, reason: problem.message, remote: request.socket.remoteAddress });
    // An unread or oversized body leaves the connection unusable for the next request.
    sendProblem(response, problem, problem.status === 413 ? { connection: "close" } : {});
    if (problem.status === 413) response.once("finish", () => request.destroy());
  }

  function answer(response: ServerResponse, review: AdmissionReviewRequest, outcome: AdmissionOutcome): void {
    try {
      sendJsonText(response, 200, admissionResponseText(review, outcome));
    } catch (error) {
      reviewFailed(response, review, error);
    }
  }

  function reviewFailed(response: ServerResponse, review: AdmissionReviewRequest, error: unknown): void {
    options.metrics?.decisions.inc({ decision: "error" });
    if (error instanceof ScribaError && error.code === "UNAVAILABLE") {
      // The policies are not read yet (or cannot be): say so instead of "internal error".
      logger.warn("admission review impossible; denied", { uid: review.uid, reason: error.message });
      sendJson(response, 200, internalErrorResponse(review, `the admission webhook cannot review this request and denies it: ${error.message}`));
      return;
    }
    logger.error("admission review failed; denied", { uid: review.uid, error });
    sendJson(response, 200, internalErrorResponse(review));
  }

  /**
   * Reads, reviews and answers one AdmissionReview. Callbacks rather than an
   * async function: a review a kept decision covers is answered in the turn
   * its body arrived, with no promise made for it.
   */
  function validate(request: IncomingMessage, response: ServerResponse, query: string, fail: (error: unknown) => void): void {
    const wrongType = contentTypeProblem(request);
    if (wrongType !== undefined) {
      refuse(request, response, wrongType);
      return;
    }
    readBody(request, limit, (error, body) => {
      try {
        if (error !== undefined) throw error;
        reviewBody(request, response, query, body!, fail);
      } catch (failure) {
        if (failure instanceof HttpProblem) refuse(request, response, failure);
        else fail(failure);
      }
    });
  }

  function reviewBody(request: IncomingMessage, response: ServerResponse, query: string, body: Buffer, fail: (error: unknown) => void): void {
    const review = parseReviewBody(body);
    const call = new ReviewCall(reviewBudgetMs(configuredTimeout, apiServerTimeoutMs(query)), clientGoneSignal(request, response));
    let outcome: AdmissionOutcome | Promise<AdmissionOutcome>;
    try {
      outcome = reviewer.review(review.input, call);
    } catch (failure) {
      // A reviewer given in the options may throw rather than reject: the request is denied all the same.
      reviewFailed(response, review, failure);
      return;
    }
    if (outcome instanceof Promise) {
      outcome
        .then(
          (decided) => answer(response, review, decided),
          (failure: unknown) => reviewFailed(response, review, failure),
        )
        .catch(fail);
    } else answer(response, review, outcome);
  }

  function readyz(response: ServerResponse): void {
    const status: ReadinessStatus = options.readiness?.() ?? { ready: true, checks: {} };
    sendJson(response, status.ready ? 200 : 503, { status: status.ready ? "ready" : "not ready", checks: status.checks });
  }

  function metricsText(response: ServerResponse): void {
    const text = options.metrics?.registry.render() ?? "";
    response.writeHead(200, {
      "content-type": MetricsRegistry.contentType,
      "content-length": String(Buffer.byteLength(text)),
      "cache-control": "no-store",
    });
    response.end(text);
  }

  const probes: ReadonlyMap<string, (response: ServerResponse) => void> = new Map([
    ["/healthz", (r: ServerResponse) => sendJson(r, 200, { status: "ok" })],
    ["/readyz", readyz],
    ["/metrics", metricsText],
  ]);

  return (request, response) => {
    const { path, query } = splitTarget(request.url ?? "/");
    const done = (error: unknown) => {
      logger.error("admission handler failed", { error });
      sendProblem(response, new HttpProblem(500, "INTERNAL", "internal error"));
    };
    const probe = probes.get(path);
    if (probe !== undefined) {
      if (request.method === "GET" || request.method === "HEAD") probe(response);
      else sendProblem(response, new HttpProblem(405, "INVALID_ARGUMENT", `use GET ${path}`), { allow: "GET, HEAD" });
      return;
    }
    if (path === "/validate" || path === "/") {
      if (request.method !== "POST") {
        sendProblem(response, new HttpProblem(405, "INVALID_ARGUMENT", `use POST ${path} with an AdmissionReview`), { allow: "POST" });
        return;
      }
      try {
        validate(request, response, query, done);
      } catch (error) {
        done(error);
      }
      return;
    }
    sendProblem(response, new HttpProblem(404, "NOT_FOUND", `no such path ${JSON.stringify(path.slice(0, 200))}; the webhook serves POST /validate`));
  };
}

/**
 * The webhook as one route of a server that routes by path (the
 * `extraRoutes` of `scriba serve`): requests for exactly `path` are served as
 * `/validate`, anything else is left to the next route (returns false). The
 * Kubernetes API server only calls webhooks over HTTPS, so the server must
 * terminate TLS; otherwise run {@link createAdmissionHandler} on its own
 * listener (./webhook-server.ts).
 */
export function admissionRoute(
  handler: AdmissionRequestHandler,
  path = "/admission/validate",
): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    const url = new URL(request.url ?? "/", "https://webhook.invalid");
    if (url.pathname !== path) return false;
    request.url = `/validate${url.search}`;
    handler(request, response);
    return true;
  };
}
