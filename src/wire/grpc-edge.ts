/**
 * @module wire/grpc-edge
 *
 * Serves RpcMethods over gRPC with @grpc/grpc-js, carrying protobuf-es
 * messages: the ServiceDefinition is built from the generated DescService, so
 * no .proto is loaded at run time and requests arrive as typed messages.
 *
 * Translation only: a request that does not decode is INVALID_ARGUMENT (grpc-js
 * would say INTERNAL), a ScribaError becomes its gRPC status (with its field
 * violations in `grpc-status-details-bin`), and anything else is logged and
 * reported as "internal error".
 */
import { Metadata, Server } from "@grpc/grpc-js";
import type {
  sendUnaryData,
  ServerErrorResponse,
  ServerOptions,
  MethodDefinition,
  ServerUnaryCall,
  ServiceDefinition,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, DescMethod, DescService, Message } from "@bufbuild/protobuf";
import { ScribaError } from "../errors.js";
import { toClientError } from "./client-error.js";
import type { InternalErrorLogger } from "./client-error.js";
import { clientCancelled, deadlineExceeded, EdgeCallContext } from "./edge-call-context.js";
import { grpcStatusDetails, grpcStatusDetailsKey } from "./grpc-status-details.js";
import { decodeBinary } from "./binary-decoder.js";
import { encodeBinary } from "./binary-encoder.js";
import type { RpcMethod } from "./rpc.js";
import { useNodeUtf8Encoding } from "./utf8-encoding.js";

export interface GrpcEdgeOptions {
  readonly methods: readonly RpcMethod[];
  /** Told about every call that fails with INTERNAL/UNKNOWN, with the cause. */
  readonly logInternalError: InternalErrorLogger;
  /** Passed to grpc-js (message size limits, keepalive). */
  readonly serverOptions?: ServerOptions;
}

/** One service to add to a grpc-js Server. */
export interface GrpcServiceBinding {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/**
 * What the request deserializer returns for bytes that are not a valid
 * message: throwing there would make grpc-js answer INTERNAL, but a bad
 * request is the client's mistake.
 */
class UndecodableRequest {
  constructor(readonly cause: unknown) {}
}

function decodeRequest(schema: DescMessage, bytes: Buffer): Message | UndecodableRequest {
  try {
    return decodeBinary(schema, bytes);
  } catch (error) {
    return new UndecodableRequest(error);
  }
}

/** Responses are encoded by the handler wrapper, so an encoding failure is ours to log and mask. */
const passEncodedResponse = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The gRPC path of a method: `/grafeas.v1.Grafeas/GetNote`. */
export function grpcPathOf(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function grpcErrorOf(error: ScribaError): Partial<ServerErrorResponse> {
  const details = grpcStatusDetails(error);
  if (details === undefined) return { code: error.grpcCode, details: error.message };
  const metadata = new Metadata();
  metadata.set(grpcStatusDetailsKey, Buffer.from(details));
  return { code: error.grpcCode, details: error.message, metadata };
}

/**
 * A client cancels at its own deadline, which the server's copy (counted from
 * when the request arrived) trails by the request's transit time; a
 * cancellation this close to the deadline is the deadline.
 */
const deadlineSlackMs = 100;

function watchCall(call: ServerUnaryCall<unknown, unknown>) {
  return (abort: (reason: ScribaError) => void) => {
    const reasonNow = () =>
      Number(call.getDeadline()) - Date.now() <= deadlineSlackMs ? deadlineExceeded() : clientCancelled();
    if (call.cancelled) abort(reasonNow());
    else call.once("cancelled", () => abort(reasonNow()));
  };
}

function unaryHandlerFor(rpc: RpcMethod, logInternalError: InternalErrorLogger) {
  const method = rpc.method;
  const where = `grpc ${grpcPathOf(method)}`;
  return (call: ServerUnaryCall<unknown, Uint8Array>, callback: sendUnaryData<Uint8Array>) => {
    const fail = (thrown: unknown) => callback(grpcErrorOf(toClientError(thrown, where, logInternalError)));
    const request = call.request;
    if (request instanceof UndecodableRequest) {
      fail(new ScribaError("INVALID_ARGUMENT", `the request is not a valid ${method.input.typeName} message`));
      return;
    }
    let pending;
    try {
      pending = rpc.handler(request as Message, new EdgeCallContext(undefined, watchCall(call)));
    } catch (thrown) {
      fail(thrown);
      return;
    }
    pending.then((reply) => {
      let bytes: Uint8Array;
      try {
        if (reply.schema.typeName !== method.output.typeName) {
          throw new Error(`${method.name} replied with ${reply.schema.typeName}, not ${method.output.typeName}`);
        }
        bytes = encodeBinary(method.output, reply.message());
      } catch (thrown) {
        fail(thrown);
        return;
      }
      callback(null, bytes);
    }, fail);
  };
}

/** The grpc-js service definitions and implementations for `methods`, one per DescService. */
export function grpcServiceBindings(
  methods: readonly RpcMethod[],
  logInternalError: InternalErrorLogger,
): GrpcServiceBinding[] {
  // Replies are encoded here by encodeBinary; what it leaves to protobuf-es (Struct fields,
  // requests serialized through these definitions) encodes strings through Node's Buffer.
  useNodeUtf8Encoding();
  const byService = new Map<DescService, RpcMethod[]>();
  for (const rpc of methods) {
    if (rpc.method.methodKind !== "unary") {
      throw new Error(`${grpcPathOf(rpc.method)} is ${rpc.method.methodKind}; only unary methods are served`);
    }
    const list = byService.get(rpc.method.parent) ?? [];
    list.push(rpc);
    byService.set(rpc.method.parent, list);
  }
  return [...byService.values()].map((rpcs) => {
    const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
    const implementation: UntypedServiceImplementation = {};
    for (const rpc of rpcs) {
      const method = rpc.method;
      if (definition[method.localName] !== undefined) {
        throw new Error(`${grpcPathOf(method)} is given twice`);
      }
      definition[method.localName] = {
        path: grpcPathOf(method),
        requestStream: false,
        responseStream: false,
        originalName: method.localName,
        requestSerialize: (message: unknown) => Buffer.from(toBinary(method.input, message as Message)),
        requestDeserialize: (bytes: Buffer) => decodeRequest(method.input, bytes),
        responseSerialize: (bytes: unknown) => passEncodedResponse(bytes as Uint8Array),
        responseDeserialize: (bytes: Buffer) => fromBinary(method.output, bytes),
      };
      implementation[method.localName] = unaryHandlerFor(rpc, logInternalError);
    }
    return { definition, implementation };
  });
}

/** Adds `methods` to an existing grpc-js server. */
export function addRpcMethodsToGrpcServer(
  server: Server,
  methods: readonly RpcMethod[],
  logInternalError: InternalErrorLogger,
): void {
  for (const { definition, implementation } of grpcServiceBindings(methods, logInternalError)) {
    server.addService(definition, implementation);
  }
}

/** A grpc-js server (not yet bound to any port) that serves `methods`. */
export function createGrpcServer(options: GrpcEdgeOptions): Server {
  const server = new Server(options.serverOptions);
  addRpcMethodsToGrpcServer(server, options.methods, options.logInternalError);
  return server;
}
