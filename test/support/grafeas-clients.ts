/**
 * @module test/support/grafeas-clients
 *
 * The official `@google-cloud/grafeas` client, built the two ways its users
 * build it against a self-hosted server: over gRPC with insecure credentials,
 * and over its REST transport (`fallback: true`) with a pass-through auth
 * client. Also reads the errors either transport throws into one shape, so a
 * test can state the expected code once and check it through both.
 */
import assert from "node:assert/strict";
import grafeas from "@google-cloud/grafeas";
import * as grpc from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";
import { errorCodeFromGrpc, type ErrorCode, type FieldViolation } from "../../src/errors.js";

export type GrafeasClient = InstanceType<typeof grafeas.v1.GrafeasClient>;
export type TransportName = "gRPC" | "REST";

export interface Transport {
  readonly name: TransportName;
  readonly client: GrafeasClient;
}

export function grpcGrafeasClient(port: number): GrafeasClient {
  return new grafeas.v1.GrafeasClient({
    servicePath: "127.0.0.1",
    port,
    sslCreds: grpc.credentials.createInsecure(),
  });
}

export function restGrafeasClient(port: number): GrafeasClient {
  return new grafeas.v1.GrafeasClient({
    fallback: true,
    protocol: "http",
    servicePath: "127.0.0.1",
    port,
    // google-gax bundles its own google-auth-library, so the class types differ; the object works.
    authClient: new PassThroughClient() as never,
  });
}

export interface GrafeasClients {
  readonly grpc: GrafeasClient;
  readonly rest: GrafeasClient;
  /** Both transports, gRPC first, for tests that run once per transport. */
  readonly transports: readonly Transport[];
  close(): Promise<void>;
}

export function grafeasClients(port: number): GrafeasClients {
  const viaGrpc = grpcGrafeasClient(port);
  const viaRest = restGrafeasClient(port);
  return {
    grpc: viaGrpc,
    rest: viaRest,
    transports: [
      { name: "gRPC", client: viaGrpc },
      { name: "REST", client: viaRest },
    ],
    async close() {
      await Promise.all([viaGrpc.close(), viaRest.close()]);
    },
  };
}

/** The names the test-side transports are listed under, for building test names before clients exist. */
export const transportNames: readonly TransportName[] = ["gRPC", "REST"];

/** What either transport threw, as raw as each gives it. */
export interface RawCallError {
  code?: number;
  message: string;
  details?: string;
  statusDetails?: { fieldViolations?: FieldViolation[] }[];
}

/** The error a call rejects with; fails the test when the call succeeds. */
export async function rejection(call: Promise<unknown>): Promise<RawCallError> {
  try {
    await call;
  } catch (error) {
    return error as RawCallError;
  }
  assert.fail("the call succeeded, but an error was expected");
}

/** One shape for the error of either transport. */
export interface CallFailure {
  /** The canonical code name (`NOT_FOUND`). */
  readonly status: ErrorCode;
  /** The gRPC status number (gRPC) or HTTP status (REST) the client reported. */
  readonly wireCode: number;
  /** The server's message, without the transport's decoration. */
  readonly message: string;
  readonly violations: readonly FieldViolation[];
}

/**
 * Reads a client error: gRPC errors carry the code number, the message in
 * `details` and the BadRequest detail in `statusDetails`; google-gax's REST
 * transport reports the HTTP status as `code` and the Google error body as
 * the message text.
 */
export function callFailure(transport: TransportName, error: RawCallError): CallFailure {
  if (transport === "gRPC") {
    assert.equal(typeof error.code, "number", `not a gRPC error: ${error.message}`);
    return {
      status: errorCodeFromGrpc(error.code!),
      wireCode: error.code!,
      message: error.details ?? error.message,
      violations: (error.statusDetails?.[0]?.fieldViolations ?? []).map(({ field, description }) => ({ field, description })),
    };
  }
  let body: { error: { code: number; message: string; status: ErrorCode; details: { fieldViolations?: FieldViolation[] }[] } };
  try {
    body = JSON.parse(error.message) as typeof body;
  } catch {
    assert.fail(`the REST error is not a Google error body: ${error.message}`);
  }
  assert.equal(body.error.code, error.code, "the body's code is the HTTP status");
  return {
    status: body.error.status,
    wireCode: error.code!,
    message: body.error.message,
    violations: (body.error.details[0]?.fieldViolations ?? []).map(({ field, description }) => ({ field, description })),
  };
}

/** The gRPC status number and the HTTP status each code is expected to travel as. */
export const wireCodes: Partial<Record<ErrorCode, { grpc: number; http: number }>> = {
  INVALID_ARGUMENT: { grpc: 3, http: 400 },
  NOT_FOUND: { grpc: 5, http: 404 },
  ALREADY_EXISTS: { grpc: 6, http: 409 },
  FAILED_PRECONDITION: { grpc: 9, http: 412 },
};

/**
 * Runs `call`, expects it to fail with `status`, checks the number the
 * transport carried it as, and returns the failure for further checks.
 */
export async function expectFailure(transport: TransportName, call: Promise<unknown>, status: ErrorCode): Promise<CallFailure> {
  const failure = callFailure(transport, await rejection(call));
  assert.equal(failure.status, status, `expected ${status}, got ${failure.status}: ${failure.message}`);
  const expected = wireCodes[status];
  if (expected !== undefined) assert.equal(failure.wireCode, transport === "gRPC" ? expected.grpc : expected.http);
  return failure;
}
