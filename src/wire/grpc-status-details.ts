/**
 * @module wire/grpc-status-details
 *
 * Encodes an error's field violations the way Google APIs do over gRPC: a
 * `google.rpc.Status` in the `grpc-status-details-bin` trailer, carrying one
 * `google.rpc.BadRequest` detail. google-gax decodes it into
 * `error.statusDetails`, so gRPC clients see the same violations as REST
 * clients see in the JSON error body.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { AnySchema } from "@bufbuild/protobuf/wkt";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { FieldViolation, ScribaError } from "../errors.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";

export const grpcStatusDetailsKey = "grpc-status-details-bin";
export const badRequestTypeUrl = "type.googleapis.com/google.rpc.BadRequest";

/**
 * `google.rpc.BadRequest { repeated FieldViolation field_violations = 1; }`
 * with `FieldViolation { string field = 1; string description = 2; }`.
 * Written by hand because error_details.proto is not among the generated files.
 */
function encodeBadRequest(violations: readonly FieldViolation[]): Uint8Array {
  const writer = new BinaryWriter();
  for (const violation of violations) {
    writer.tag(1, WireType.LengthDelimited).fork();
    writer.tag(1, WireType.LengthDelimited).string(violation.field);
    writer.tag(2, WireType.LengthDelimited).string(violation.description);
    writer.join();
  }
  return writer.finish();
}

/** The binary google.rpc.Status for `error`, or undefined when it has no violations to carry. */
export function grpcStatusDetails(error: ScribaError): Uint8Array | undefined {
  if (error.violations.length === 0) return undefined;
  const status = create(StatusSchema, {
    code: error.grpcCode,
    message: error.message,
    details: [create(AnySchema, { typeUrl: badRequestTypeUrl, value: encodeBadRequest(error.violations) })],
  });
  return toBinary(StatusSchema, status);
}
