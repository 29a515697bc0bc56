/**
 * @module client/server-reply-error
 *
 * A failure the Grafeas server itself reported — a Grafeas error body over
 * REST, a status over gRPC — as opposed to one the client met on its way
 * (no connection, no reply in time). It keeps how the server answered, so a
 * caller that adds context (the admission webhook's denial message) can say
 * which server answered what.
 */
import { type ErrorCode, type FieldViolation, ScribaError } from "../errors.js";

export class ServerReplyError extends ScribaError {
  /**
   * @param reply How the server answered: `HTTP 500` over REST, `INTERNAL`
   *   (the status name) over gRPC.
   */
  constructor(
    code: ErrorCode,
    message: string,
    readonly reply: string,
    violations: readonly FieldViolation[] = [],
  ) {
    super(code, message, violations.length > 0 ? { violations } : {});
  }
}
