/**
 * @module store/postgres/postgres-errors
 *
 * Reads what `pg` and PostgreSQL throw. Constraint violations are expected
 * outcomes that the store turns into its own errors where it knows which
 * constraint fired. Everything that means "the database cannot answer right
 * now" (refused or dropped connections, a restarting server, timeouts, no free
 * pooled connection, a read-only server during a failover) is UNAVAILABLE, so
 * clients retry and readiness fails while it lasts. A NUL character, which
 * PostgreSQL text cannot hold, is the client's INVALID_ARGUMENT. Anything else is INTERNAL
 * with a fixed message: neither SQL nor the server's message (which may quote
 * row values) reaches a client; the original stays the `cause`, for the log.
 */
import pg from "pg";
import { ScribaError } from "../../errors.js";
import { storeBusy, storeClosed } from "../store-errors.js";

const { DatabaseError } = pg;

/** The SQLSTATE of an error PostgreSQL reported (`23505`), if it is one. */
export function sqlStateOf(error: unknown): string | undefined {
  return error instanceof DatabaseError ? error.code : undefined;
}

/** The name of the constraint a violation names, if any. */
export function constraintOf(error: unknown): string | undefined {
  return error instanceof DatabaseError ? error.constraint : undefined;
}

export const isUniqueViolation = (error: unknown) => sqlStateOf(error) === "23505";
export const isForeignKeyViolation = (error: unknown) => sqlStateOf(error) === "23503";

/** A serialization failure or deadlock: the transaction lost a race and may simply run again. */
export function isTransactionConflict(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === "40001" || state === "40P01";
}

/**
 * Whether a pooled connection that saw `error` must be discarded rather than
 * reused. A server-reported error leaves the connection usable; anything else
 * (a dropped socket, a client-side read timeout with a statement still running)
 * leaves it in an unknown state.
 */
export function spoilsConnection(error: unknown): boolean {
  return !(error instanceof DatabaseError) && !(error instanceof ScribaError);
}

/** Node socket errors that mean the server cannot be reached. */
const socketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
]);

/** The messages of the plain Errors `pg` and `pg-pool` throw when a connection fails. */
const lostConnection = new Set([
  "Connection terminated unexpectedly",
  "Connection terminated",
  "Client has encountered a connection error and is not queryable",
  "Client was closed and is not queryable",
]);

const unavailable = (reason: string, cause: unknown) =>
  new ScribaError("UNAVAILABLE", `the database is unavailable (${reason}); retry the request`, { cause });

/** UNAVAILABLE for a server-reported SQLSTATE that means "not now", else undefined. */
function fromSqlState(state: string, error: unknown): ScribaError | undefined {
  if (state.startsWith("08")) return unavailable("connection failure", error);
  if (state === "57P01" || state === "57P02" || state === "57P03") {
    return unavailable("the server is restarting or shutting down", error);
  }
  if (state === "57014") return unavailable("the statement timed out", error);
  if (state === "55P03") return storeBusy(error);
  if (state.startsWith("53")) return unavailable("the server is out of resources or connections", error);
  if (state === "25006") return unavailable("the server is read-only, as during a failover", error);
  if (state.startsWith("28")) return unavailable("the server refused the credentials", error);
  if (state === "3D000") return unavailable("the database does not exist", error);
  if (state === "3F000") return unavailable("the schema does not exist", error);
  // Text and jsonb cannot hold U+0000 in PostgreSQL: a limit of this store that the client can act on.
  if (state === "22021" || state === "22P05") {
    return new ScribaError(
      "INVALID_ARGUMENT",
      "the PostgreSQL store cannot hold or compare the NUL character (U+0000); remove it from the request",
      { cause: error },
    );
  }
  if (state === "40001" || state === "40P01") {
    return new ScribaError("ABORTED", "the request conflicted with a concurrent write; retry it", { cause: error });
  }
  return undefined;
}

/** Any failure as a ScribaError that is safe to show a client. */
export function toScribaError(error: unknown): ScribaError {
  if (error instanceof ScribaError) return error;
  const state = sqlStateOf(error);
  if (state !== undefined) return fromSqlState(state, error) ?? ScribaError.from(error);
  if (!(error instanceof Error)) return ScribaError.from(error);

  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && socketCodes.has(code)) return unavailable(code, error);
  if (code !== undefined && /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_)/.test(code)) {
    return unavailable(`TLS: ${code}`, error);
  }
  const message = error.message;
  if (message === "timeout exceeded when trying to connect") {
    return unavailable("no connection became free within the connection timeout", error);
  }
  if (message === "Connection terminated due to connection timeout") {
    return unavailable("the server did not accept a connection within the connection timeout", error);
  }
  if (message === "Query read timeout") return unavailable("the server did not answer in time", error);
  if (lostConnection.has(message)) return unavailable("the connection was lost", error);
  if (message === "The server does not support SSL connections") {
    return unavailable("the server does not offer TLS", error);
  }
  if (message === "There was an error establishing an SSL connection") {
    return unavailable("TLS negotiation failed", error);
  }
  if (message === "Cannot use a pool after calling end on the pool") return storeClosed();
  return ScribaError.from(error);
}
