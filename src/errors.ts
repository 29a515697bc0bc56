/**
 * @module errors
 *
 * The one error type every Scriba layer throws. Its `code` comes from a closed
 * list (the gRPC canonical codes that Scriba uses), mapped exactly once to a
 * gRPC status number and once to an HTTP status, so the gRPC, REST, v1alpha1
 * and admission edges all report the same failure the same way.
 */

/** gRPC canonical code numbers, for the codes Scriba uses. */
const grpcCodes = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The closed list of error codes. */
export type ErrorCode = keyof typeof grpcCodes;

/** HTTP statuses, as grpc-gateway and Google APIs map the gRPC codes. */
const httpStatuses: Record<ErrorCode, number> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 412,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  UNAUTHENTICATED: 401,
};

/** One bad field or item, named by its path in the request (`occurrences[3].noteName`). */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

export class ScribaError extends Error {
  override readonly name = "ScribaError";
  readonly code: ErrorCode;
  /** Every bad field or item, when the request had several (batch writes, validation). */
  readonly violations: readonly FieldViolation[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { violations?: readonly FieldViolation[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.violations = options.violations ?? [];
  }

  /** The gRPC status number of this error. */
  get grpcCode(): number {
    return grpcCodes[this.code];
  }

  /** The HTTP status of this error. */
  get httpStatus(): number {
    return httpStatuses[this.code];
  }

  /**
   * Wraps anything thrown into a ScribaError. Unknown failures become INTERNAL
   * with a fixed message, so internals (SQL, stack traces, secrets) never reach
   * a client; the original stays available as `cause` for the log.
   */
  static from(error: unknown): ScribaError {
    if (error instanceof ScribaError) return error;
    return new ScribaError("INTERNAL", "internal error", { cause: error });
  }
}

export const invalidArgument = (message: string, violations?: readonly FieldViolation[]) =>
  new ScribaError("INVALID_ARGUMENT", message, violations ? { violations } : {});
export const notFound = (message: string) => new ScribaError("NOT_FOUND", message);
export const alreadyExists = (message: string) => new ScribaError("ALREADY_EXISTS", message);
export const failedPrecondition = (message: string) =>
  new ScribaError("FAILED_PRECONDITION", message);

/** The HTTP status and gRPC number for a code, for edges that map codes without an error object. */
export function httpStatusOf(code: ErrorCode): number {
  return httpStatuses[code];
}

export function grpcCodeOf(code: ErrorCode): number {
  return grpcCodes[code];
}

/** The code name for a gRPC status number (used by clients of other Scriba servers). */
export function errorCodeFromGrpc(status: number): ErrorCode {
  const entry = Object.entries(grpcCodes).find(([, n]) => n === status);
  return entry ? (entry[0] as ErrorCode) : "UNKNOWN";
}
