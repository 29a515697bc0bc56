/**
 * @module wire/rest-edge
 *
 * Serves RpcMethods as REST, transcoded by their `google.api.http` rules
 * (primary and additional bindings), as a plain node:http request handler.
 *
 * Translation only. Routes are compiled once; per request the edge splits the
 * path, matches it, binds path variables, query parameters and the body into
 * the request message (see rest-request-decoder), calls the handler and writes
 * `reply.json()` as is. Failures are Google-style error bodies (see
 * google-error-body): 404 for an unknown path, 405 with Allow for a known path
 * and another method, 413 for a body over the limit, 408 for a body that does
 * not arrive in time, 415 for a body that is declared as something other than
 * JSON.
 *
 * Content types: a body is read as JSON when it is declared as JSON, or not
 * declared at all, or declared `text/plain` or
 * `application/x-www-form-urlencoded` — what `curl -d @note.json` sends — as
 * long as it parses as JSON.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { ScribaError } from "../errors.js";
import { toClientError } from "./client-error.js";
import type { InternalErrorLogger } from "./client-error.js";
import { clientCancelled, EdgeCallContext } from "./edge-call-context.js";
import { googleErrorBody } from "./google-error-body.js";
import type { GoogleErrorFields } from "./google-error-body.js";
import { grpcPathOf } from "./grpc-edge.js";
import { httpBindingsOf } from "./http-rule.js";
import { parseQueryString } from "./query-string.js";
import type { QueryPair } from "./query-string.js";
import { BodyReadError, readBody } from "./request-body.js";
import { createRestRequestDecoder } from "./rest-request-decoder.js";
import type { RestRequestDecoder } from "./rest-request-decoder.js";
import { RestRouter } from "./rest-router.js";
import type { PathBinding, Route } from "./rest-router.js";
import type { RpcMethod } from "./rpc.js";

export type HttpRequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface RestEdgeOptions {
  readonly methods: readonly RpcMethod[];
  /**
   * Tried for requests that match no RPC route (health, metrics, v1alpha1,
   * UI); returns true when it handled the request. Not called for RPC routes,
   * so it costs the API hot path nothing.
   */
  readonly extraRoutes?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Largest accepted request body; default 4 MiB. */
  readonly maxBodyBytes?: number;
  /** Time allowed for a whole request body to arrive; default 30 s. */
  readonly bodyTimeoutMs?: number;
  /** Told about every request that fails with INTERNAL/UNKNOWN, with the cause. */
  readonly logInternalError: InternalErrorLogger;
}

export const defaultMaxBodyBytes = 4 * 1024 * 1024;
export const defaultBodyTimeoutMs = 30_000;

const jsonContentType = "application/json; charset=utf-8";
const noQuery: readonly QueryPair[] = [];
const acceptedBodyTypes = new Set(["", "application/json", "text/plain", "application/x-www-form-urlencoded"]);

/** What a REST route leads to: the RPC, how to decode its requests, and its gRPC path (for logs). */
export interface RestTarget {
  readonly rpc: RpcMethod;
  readonly decoder: RestRequestDecoder;
  readonly grpcPath: string;
}

/** The routes of every binding of every method; throws when two methods claim the same route. */
export function restRoutesOf(methods: readonly RpcMethod[]): Route<RestTarget>[] {
  const routes: Route<RestTarget>[] = [];
  for (const rpc of methods) {
    for (const binding of httpBindingsOf(rpc.method)) {
      routes.push({
        httpMethod: binding.httpMethod,
        template: binding.template,
        target: { rpc, decoder: createRestRequestDecoder(rpc.method, binding), grpcPath: grpcPathOf(rpc.method) },
      });
    }
  }
  return routes;
}

function writeJson(res: ServerResponse, status: number, body: string, headers?: OutgoingHttpHeaders): void {
  const length = Buffer.byteLength(body);
  res.writeHead(
    status,
    headers === undefined
      ? { "content-type": jsonContentType, "content-length": length }
      : { ...headers, "content-type": jsonContentType, "content-length": length },
  );
  res.end(body);
}

function writeError(res: ServerResponse, error: GoogleErrorFields, headers?: OutgoingHttpHeaders): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeJson(res, error.httpStatus, googleErrorBody(error), headers);
}

function writeScribaError(res: ServerResponse, error: ScribaError): void {
  writeError(res, {
    httpStatus: error.httpStatus,
    code: error.code,
    message: error.message,
    violations: error.violations,
  });
}

function edgeError(httpStatus: number, code: ScribaError["code"], message: string): GoogleErrorFields {
  return { httpStatus, code, message, violations: [] };
}

function bodyContentTypeIsAccepted(req: IncomingMessage): boolean {
  const declared = req.headers["content-type"];
  if (declared === undefined) return true;
  const semicolon = declared.indexOf(";");
  const type = (semicolon < 0 ? declared : declared.slice(0, semicolon)).trim().toLowerCase();
  return acceptedBodyTypes.has(type) || type.endsWith("+json");
}

function watchResponse(req: IncomingMessage, res: ServerResponse) {
  return (abort: (reason: ScribaError) => void) => {
    if (res.writableEnded) return;
    if (res.destroyed || req.socket.destroyed) {
      abort(clientCancelled());
      return;
    }
    res.once("close", () => {
      if (!res.writableFinished) abort(clientCancelled());
    });
  };
}

/** A node:http request handler that serves `methods` by their HTTP rules. */
export function createRestHandler(options: RestEdgeOptions): HttpRequestHandler {
  const router = new RestRouter(restRoutesOf(options.methods));
  const limits = {
    maxBytes: options.maxBodyBytes ?? defaultMaxBodyBytes,
    timeoutMs: options.bodyTimeoutMs ?? defaultBodyTimeoutMs,
  };
  const extraRoutes = options.extraRoutes;
  const log = options.logInternalError;

  /** Writes the client's view of `thrown`; `target` names the RPC in the log when one was routed to. */
  const fail = (req: IncomingMessage, res: ServerResponse, thrown: unknown, target?: RestTarget) => {
    // The path only: query strings can carry things that do not belong in logs.
    const path = (req.url ?? "").split("?", 1)[0];
    const where = `rest ${req.method} ${path}${target ? ` (${target.grpcPath})` : ""}`;
    writeScribaError(res, toClientError(thrown, where, log));
  };

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    target: RestTarget,
    pathBindings: readonly PathBinding[],
    query: readonly QueryPair[],
    body: string,
  ): Promise<void> {
    const { message, enumAsInteger } = target.decoder.decode({ pathBindings, query, body });
    const reply = await target.rpc.handler(message, new EdgeCallContext(undefined, watchResponse(req, res)));
    if (reply.schema.typeName !== target.rpc.method.output.typeName) {
      throw new Error(`${target.grpcPath} replied with ${reply.schema.typeName}`);
    }
    writeJson(res, 200, reply.json({ enumAsInteger }));
  }

  function handleBodyFailure(res: ServerResponse, error: BodyReadError): void {
    if (error.reason === "aborted") {
      res.destroy();
      return;
    }
    // The rest of the body is never read, so the connection cannot carry another request.
    const close = { connection: "close" };
    if (error.reason === "too-large") writeError(res, edgeError(413, "RESOURCE_EXHAUSTED", error.message), close);
    else writeError(res, edgeError(408, "DEADLINE_EXCEEDED", error.message), close);
  }

  return (req, res) => {
    const url = req.url ?? "/";
    const method = req.method ?? "GET";
    const queryStart = url.indexOf("?");
    const path = queryStart < 0 ? url : url.slice(0, queryStart);
    const match = router.match(method, path);
    if (match.kind !== "found") {
      try {
        if (extraRoutes?.(req, res)) return;
      } catch (thrown) {
        fail(req, res, thrown);
        return;
      }
      if (match.kind === "method-not-allowed") {
        const allow = match.allow.join(", ");
        writeError(res, edgeError(405, "UNIMPLEMENTED", `${method} is not allowed on ${path}; use ${allow}`), {
          allow,
        });
      } else {
        writeError(res, edgeError(404, "NOT_FOUND", `no API method is at ${method} ${path}`));
      }
      return;
    }
    const target = match.route.target;
    let pathBindings: readonly PathBinding[];
    let query: readonly QueryPair[];
    try {
      try {
        pathBindings = RestRouter.bindingsOf(match.route, match.path);
      } catch {
        throw new ScribaError("INVALID_ARGUMENT", `the path ${path} has a malformed percent-escape`);
      }
      query = queryStart < 0 ? noQuery : parseQueryString(url.slice(queryStart + 1));
    } catch (thrown) {
      fail(req, res, thrown, target);
      return;
    }
    if (!target.decoder.readsBody) {
      serve(req, res, target, pathBindings, query, "").catch((thrown) => fail(req, res, thrown, target));
      return;
    }
    if (!bodyContentTypeIsAccepted(req)) {
      writeError(
        res,
        edgeError(415, "INVALID_ARGUMENT", `the request body must be JSON, not ${req.headers["content-type"]}`),
        { connection: "close" },
      );
      return;
    }
    readBody(req, limits).then(
      (body) => serve(req, res, target, pathBindings, query, body).catch((thrown) => fail(req, res, thrown, target)),
      (error) => {
        if (error instanceof BodyReadError) handleBodyFailure(res, error);
        else fail(req, res, error, target);
      },
    );
  };
}
