/**
 * @module client/rest-error
 *
 * Turns a failed reply of a Grafeas REST server back into the
 * {@link ScribaError} the server threw, so a caller on the other side of the
 * wire can branch on the same code (`NOT_FOUND`, `FAILED_PRECONDITION`, …)
 * as a caller in the same process.
 *
 * Three body shapes are understood, in this order:
 * - Google's `{"error":{"code":404,"message":"…","status":"NOT_FOUND","details":[…]}}`
 *   (Scriba, Google APIs), with `google.rpc.BadRequest` field violations;
 * - grpc-gateway's `{"code":5,"message":"…"}` (upstream Grafeas);
 * - anything else (a proxy's HTML page, an empty body): the code comes from
 *   the HTTP status only where that status means the same thing whoever sent
 *   it (401, 403, 429, 502–504). A bare 404 or 400 is UNKNOWN, because a
 *   wrong base URL must not read as "no such note".
 *
 * An error read from the server's own body is a {@link ServerReplyError}
 * (`reply` is `HTTP 500`), so a caller that adds context (the admission
 * webhook's denial message) can say which server answered what; everything
 * else names the server already.
 */
import { type ErrorCode, type FieldViolation, ScribaError, errorCodeFromGrpc, grpcCodeOf } from "../errors.js";
import { badRequestTypeUrl } from "../wire/grpc-status-details.js";
import { ServerReplyError } from "./server-reply-error.js";

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

/** The Scriba code for a Google status name (`NOT_FOUND`); undefined when the name is not a gRPC code. */
function codeOfStatusName(name: string): ErrorCode | undefined {
  const number = grpcCodeOf(name as ErrorCode) as number | undefined;
  return typeof number === "number" ? errorCodeFromGrpc(number) : undefined;
}

/** Codes an HTTP status carries on its own, whoever answered (server, proxy or load balancer). */
const unambiguousHttpStatuses: ReadonlyMap<number, ErrorCode> = new Map([
  [401, "UNAUTHENTICATED"],
  [403, "PERMISSION_DENIED"],
  [429, "RESOURCE_EXHAUSTED"],
  [502, "UNAVAILABLE"],
  [503, "UNAVAILABLE"],
  [504, "DEADLINE_EXCEEDED"],
]);

function violationsOf(details: unknown): FieldViolation[] {
  if (!Array.isArray(details)) return [];
  const violations: FieldViolation[] = [];
  for (const detail of details) {
    if (!isObject(detail) || detail["@type"] !== badRequestTypeUrl) continue;
    const list = detail["fieldViolations"];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (!isObject(entry)) continue;
      const field = typeof entry["field"] === "string" ? entry["field"] : "";
      const description = typeof entry["description"] === "string" ? entry["description"] : "";
      violations.push({ field, description });
    }
  }
  return violations;
}

/** Long server messages are cut: they end up on a terminal or in a log line. */
const clip = (text: string) => (text.length > 1000 ? `${text.slice(0, 1000)}…` : text);

/**
 * The error a failed reply stands for. `body` is the reply text (may be
 * empty or not JSON); `where` names the server and call for messages that
 * could not come from the server itself.
 */
export function errorFromReply(httpStatus: number, body: string, where: string): ScribaError {
  let parsed: unknown;
  try {
    parsed = body.trim() === "" ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (isObject(parsed)) {
    const google = parsed["error"];
    if (isObject(google) && typeof google["message"] === "string") {
      const byName = typeof google["status"] === "string" ? codeOfStatusName(google["status"]) : undefined;
      return new ServerReplyError(byName ?? "UNKNOWN", clip(google["message"]), `HTTP ${httpStatus}`, violationsOf(google["details"]));
    }
    if (typeof parsed["code"] === "number" && typeof parsed["message"] === "string") {
      return new ServerReplyError(errorCodeFromGrpc(parsed["code"]), clip(parsed["message"]), `HTTP ${httpStatus}`, violationsOf(parsed["details"]));
    }
  }
  const code = unambiguousHttpStatuses.get(httpStatus);
  if (code !== undefined) return new ScribaError(code, `${where} answered HTTP ${httpStatus} (${code})`);
  return new ScribaError("UNKNOWN", `${where} answered HTTP ${httpStatus} without a Grafeas error body; is it a Grafeas server?`);
}
