/**
 * @module bench/servers/bare-grpc
 *
 * The gRPC baseline: a bare grpc-js server with one unary method whose
 * (de)serializers pass bytes through, answering each request with the reply
 * bytes stored for it (a Map lookup on the raw request bytes: no protobuf
 * work at all per call). It binds its own port, as a plain grpc-js server
 * does. Replies are the same encoded occurrences Scriba returns.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";

export interface BareGrpcSpec {
  readonly kind: "bare-grpc";
  /** `/package.Service/Method`. */
  readonly path: string;
  /** [request bytes, reply bytes], base64. */
  readonly replies: readonly (readonly [string, string])[];
}

const passBytes = (bytes: Buffer) => bytes;

export async function startBareGrpc(spec: BareGrpcSpec): Promise<{ server: Server; port: number }> {
  const replies = new Map(
    spec.replies.map(([request, reply]) => [Buffer.from(request, "base64").toString("latin1"), Buffer.from(reply, "base64")]),
  );
  const fallback = spec.replies[0] === undefined ? Buffer.alloc(0) : Buffer.from(spec.replies[0][1], "base64");
  const server = new Server();
  server.addService(
    {
      call: {
        path: spec.path,
        requestStream: false,
        responseStream: false,
        requestSerialize: passBytes,
        requestDeserialize: passBytes,
        responseSerialize: passBytes,
        responseDeserialize: passBytes,
      },
    },
    {
      call: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        callback(null, replies.get(call.request.toString("latin1")) ?? fallback);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { server, port };
}
