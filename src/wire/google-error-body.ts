/**
 * @module wire/google-error-body
 *
 * The JSON error body of Google APIs (https://cloud.google.com/apis/design/errors):
 *
 *     {"error":{"code":404,"message":"…","status":"NOT_FOUND","details":[…]}}
 *
 * google-gax's REST transport reads `status` to set the gRPC code of the error
 * it throws, and decodes a `google.rpc.BadRequest` detail into its field
 * violations; grpc-gateway's `{"code":5,…}` shape would surface as UNKNOWN.
 */
import type { ErrorCode, FieldViolation } from "../errors.js";
import { badRequestTypeUrl } from "./grpc-status-details.js";

export interface GoogleErrorFields {
  readonly httpStatus: number;
  readonly code: ErrorCode;
  readonly message: string;
  readonly violations: readonly FieldViolation[];
}

/** The body text for an error; `details` is always present (empty without violations), as Google emits it. */
export function googleErrorBody(error: GoogleErrorFields): string {
  const details =
    error.violations.length === 0
      ? []
      : [
          {
            "@type": badRequestTypeUrl,
            fieldViolations: error.violations.map(({ field, description }) => ({ field, description })),
          },
        ];
  return JSON.stringify({
    error: { code: error.httpStatus, message: error.message, status: error.code, details },
  });
}
