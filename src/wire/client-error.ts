/**
 * @module wire/client-error
 *
 * Turns whatever a handler threw into the error a client may see. Both edges
 * go through here so that gRPC and REST callers get the same code and the same
 * words for the same failure, and so that an unexpected failure is logged once,
 * with its cause, while the client only learns that something went wrong
 * inside the server.
 */
import { ScribaError } from "../errors.js";

/**
 * Receives every failure that reaches a client as INTERNAL or UNKNOWN.
 * `where` names the call (`grpc /grafeas.v1.Grafeas/GetNote`,
 * `rest GET /v1/projects/p/notes/n`); `error.cause` holds what was thrown.
 */
export type InternalErrorLogger = (where: string, error: ScribaError) => void;

/** The message every INTERNAL/UNKNOWN failure shows to clients. */
export const internalErrorMessage = "internal error";

/**
 * The client-facing form of `thrown`. Server-side failures are reported to
 * `log` and masked, because their messages may carry SQL, paths or secrets.
 */
export function toClientError(thrown: unknown, where: string, log: InternalErrorLogger): ScribaError {
  const error = ScribaError.from(thrown);
  if (error.code !== "INTERNAL" && error.code !== "UNKNOWN") return error;
  try {
    log(where, error);
  } catch {
    // A broken logger must not turn one failed call into a crashed process.
  }
  if (error.message === internalErrorMessage && error.violations.length === 0) return error;
  return new ScribaError(error.code, internalErrorMessage, { cause: error });
}
