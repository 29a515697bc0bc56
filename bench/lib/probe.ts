/**
 * @module bench/lib/probe
 *
 * One request to each server before a figure is measured, to check that both
 * sides answer what they are supposed to answer (the right record, the same
 * bytes): a benchmark of a server returning errors quickly is worthless.
 */
import type { HttpRequestTemplate } from "./load-spec.js";
import { grpcCall, grpcFrame, grpcUnframe, openGrpcSession } from "./grpc-load.js";

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export async function probeHttp(baseUrl: string, request: HttpRequestTemplate): Promise<HttpAnswer> {
  const response = await fetch(new URL(request.path, baseUrl), {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  return { status: response.status, body: await response.text() };
}

/** Probes and fails with the answer when it is not a 200. */
export async function expectHttpOk(name: string, baseUrl: string, request: HttpRequestTemplate): Promise<string> {
  const answer = await probeHttp(baseUrl, request);
  if (answer.status !== 200) {
    throw new Error(`${name}: ${request.method} ${request.path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  }
  return answer.body;
}

/** One unary call; fails unless grpc-status is 0. Returns the reply message bytes. */
export async function expectGrpcOk(name: string, baseUrl: string, path: string, message: Uint8Array): Promise<Buffer> {
  const session = await openGrpcSession(baseUrl);
  try {
    const reply = await grpcCall(session, path, grpcFrame(message));
    if (reply.status !== "0") throw new Error(`${name}: ${path} answered grpc-status ${reply.status} ${reply.message ?? ""}`);
    return grpcUnframe(reply.body);
  } finally {
    session.close();
  }
}
