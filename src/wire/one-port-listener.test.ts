import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Agent, request as httpRequest } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { connect } from "node:net";
import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { credentials, makeGenericClientConstructor, Metadata } from "@grpc/grpc-js";
import type { Client, ServiceError } from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { Grafeas, GetNoteRequestSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import type { GetNoteRequest, Note } from "../gen/grafeas/v1/grafeas_pb.js";
import { createGrpcServer, grpcServiceBindings } from "./grpc-edge.js";
import { messageReply } from "./message-reply.js";
import { listenOnePort } from "./one-port-listener.js";
import type { OnePortListener, OnePortOptions } from "./one-port-listener.js";
import type { RpcMethod } from "./rpc.js";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** GetNote answers at once, except `slow`, which answers when `release` resolves. */
function getNote(release: Promise<void>, started: () => void): RpcMethod {
  return {
    method: Grafeas.method.getNote,
    handler: async (request) => {
      const name = (request as GetNoteRequest).name;
      if (name.endsWith("/slow")) {
        started();
        await release;
      }
      return messageReply(Grafeas.method.getNote.output, create(Grafeas.method.getNote.output, { name }));
    },
  };
}

type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;
const helloHandler: HttpHandler = (req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(`http ${req.url}`);
};

async function start(
  httpHandler: HttpHandler = helloHandler,
  options: Partial<OnePortOptions> = {},
  grpcMethods: RpcMethod[] = [getNote(Promise.resolve(), () => {})],
) {
  const listener = await listenOnePort({
    host: "127.0.0.1",
    port: 0,
    httpHandler,
    grpcServer: createGrpcServer({ methods: grpcMethods, logInternalError: () => {} }),
    ...options,
  });
  return listener;
}

type Unary = (request: unknown, metadata: Metadata, options: object, callback: (error: ServiceError | null, value?: unknown) => void) => void;

function grpcClient(listener: OnePortListener) {
  const [binding] = grpcServiceBindings([getNote(Promise.resolve(), () => {})], () => {});
  const Constructor = makeGenericClientConstructor(binding!.definition, "Grafeas");
  const client = new Constructor(`127.0.0.1:${listener.address.port}`, credentials.createInsecure()) as Client &
    Record<string, Unary>;
  const call = (name: string) =>
    new Promise<Note>((resolve, reject) =>
      client["getNote"]!(create(GetNoteRequestSchema, { name }), new Metadata(), {}, (e, v) => (e ? reject(e) : resolve(v as Note))),
    );
  return { client, call };
}

async function rawExchange(port: number, chunks: (string | Buffer)[], until: (received: Buffer) => boolean): Promise<Buffer> {
  const socket = connect(port, "127.0.0.1");
  await once(socket, "connect");
  let received = Buffer.alloc(0);
  const done = deferred<Buffer>();
  socket.on("data", (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (until(received)) done.resolve(received);
  });
  socket.on("close", () => done.resolve(received));
  for (const chunk of chunks) {
    socket.write(chunk);
    // Separate writes so the server sees separate chunks.
    await sleep(20);
  }
  const result = await done.promise;
  socket.destroy();
  return result;
}

describe("one-port listener", { timeout: 20_000 }, () => {
  test("port 0 binds a free port and reports it", async () => {
    const listener = await start();
    try {
      assert.equal(listener.address.host, "127.0.0.1");
      assert.ok(listener.address.port > 0);
      const response = await fetch(`http://127.0.0.1:${listener.address.port}/x`);
      assert.equal(await response.text(), "http /x");
    } finally {
      await listener.close();
    }
  });

  test("HTTP/1.1 and gRPC are served on the same port at the same time", async () => {
    const listener = await start();
    const { client, call } = grpcClient(listener);
    try {
      const results = await Promise.all([
        call("projects/p/notes/a"),
        fetch(`http://127.0.0.1:${listener.address.port}/one`).then((r) => r.text()),
        call("projects/p/notes/b"),
        fetch(`http://127.0.0.1:${listener.address.port}/two`).then((r) => r.text()),
      ]);
      assert.deepEqual(
        results.map((r) => (typeof r === "string" ? r : r.name)),
        ["projects/p/notes/a", "http /one", "projects/p/notes/b", "http /two"],
      );
    } finally {
      client.close();
      await listener.close();
    }
  });

  test("an HTTP/1.1 request that arrives a byte at a time is served", async () => {
    const listener = await start();
    try {
      const response = await rawExchange(
        listener.address.port,
        ["G", "E", "T /slowly HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"],
        (r) => r.includes("http /slowly"),
      );
      assert.match(response.toString(), /^HTTP\/1\.1 200 [\s\S]*\r\nhttp \/slowly\r\n/);
    } finally {
      await listener.close();
    }
  });

  test("pipelined HTTP/1.1 requests in the first chunk are all answered", async () => {
    const listener = await start();
    try {
      const request = (path: string, close = false) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? "Connection: close\r\n" : ""}\r\n`;
      const response = await rawExchange(listener.address.port, [request("/a") + request("/b", true)], () => false);
      assert.match(response.toString(), /http \/a[\s\S]*http \/b/);
    } finally {
      await listener.close();
    }
  });

  test("an HTTP/2 preface split across packets still reaches the gRPC server", async () => {
    const listener = await start();
    try {
      const emptySettingsFrame = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
      const response = await rawExchange(
        listener.address.port,
        ["PRI * HTTP/2.0\r\n", Buffer.concat([Buffer.from("\r\nSM\r\n\r\n"), emptySettingsFrame])],
        (r) => r.length >= 9,
      );
      // The server's first frame is its SETTINGS frame (type 4).
      assert.equal(response[3], 4);
    } finally {
      await listener.close();
    }
  });

  test("a connection that never sends is closed after the first-bytes timeout", async () => {
    const listener = await start(helloHandler, { firstBytesTimeoutMs: 100 });
    try {
      const socket = connect(listener.address.port, "127.0.0.1");
      let receivedBytes = 0;
      socket.on("data", (chunk: Buffer) => (receivedBytes += chunk.length));
      await once(socket, "close");
      assert.equal(receivedBytes, 0);
    } finally {
      await listener.close();
    }
  });

  test("node:http's own timeouts apply to connections handed to it", async () => {
    const listener = await start(helloHandler, {
      httpServerOptions: { headersTimeout: 100, requestTimeout: 150, connectionsCheckingInterval: 50 },
    });
    try {
      const response = await rawExchange(listener.address.port, ["GET /never-finished HTTP/1.1\r\nHost: x\r\n"], () => false);
      assert.match(response.toString(), /^HTTP\/1\.1 408 /);
    } finally {
      await listener.close();
    }
  });

  test("an HTTP handler that throws costs one request, not the server", async () => {
    const listener = await start((req, res) => {
      if (req.url === "/throw") throw new Error("handler bug");
      helloHandler(req, res);
    });
    try {
      const broken = await fetch(`http://127.0.0.1:${listener.address.port}/throw`);
      assert.equal(broken.status, 500);
      assert.equal(await broken.text(), "internal error");
      assert.equal(await (await fetch(`http://127.0.0.1:${listener.address.port}/ok`)).text(), "http /ok");
    } finally {
      await listener.close();
    }
  });

  test("a port that is taken is an error from listenOnePort", async () => {
    const first = await start();
    try {
      await assert.rejects(
        listenOnePort({
          host: "127.0.0.1",
          port: first.address.port,
          httpHandler: helloHandler,
          grpcServer: createGrpcServer({ methods: [], logInternalError: () => {} }),
        }),
        { code: "EADDRINUSE" },
      );
    } finally {
      await first.close();
    }
  });

  test("garbage is answered by the HTTP side and does not disturb other connections", async () => {
    const listener = await start();
    try {
      const response = await rawExchange(listener.address.port, ["\x16\x03\x01\x02\x00garbage\r\n\r\n"], () => false);
      assert.match(response.toString(), /^HTTP\/1\.1 400 /);
      assert.equal(await (await fetch(`http://127.0.0.1:${listener.address.port}/ok`)).text(), "http /ok");
    } finally {
      await listener.close();
    }
  });

  test("a client that resets half way through the preface does not disturb the server", async () => {
    const listener = await start();
    try {
      const socket = connect(listener.address.port, "127.0.0.1");
      await once(socket, "connect");
      socket.write("PRI * HTTP/2");
      await sleep(20);
      socket.resetAndDestroy();
      await once(socket, "close");
      assert.equal(await (await fetch(`http://127.0.0.1:${listener.address.port}/ok`)).text(), "http /ok");
    } finally {
      await listener.close();
    }
  });
});

describe("one-port listener: close", { timeout: 20_000 }, () => {
  test("close stops accepting and is idempotent", async () => {
    const listener = await start();
    const port = listener.address.port;
    await Promise.all([listener.close(), listener.close()]);
    await listener.close();
    const socket = connect(port, "127.0.0.1");
    const [error] = (await once(socket, "error")) as [NodeJS.ErrnoException];
    assert.equal(error.code, "ECONNREFUSED");
  });

  test("an idle keep-alive connection is closed by close()", async () => {
    const listener = await start();
    const agent = new Agent({ keepAlive: true });
    try {
      const sockets: Socket[] = [];
      agent.on("free", (socket: Socket) => sockets.push(socket));
      await new Promise<void>((resolve, reject) => {
        httpRequest(`http://127.0.0.1:${listener.address.port}/k`, { agent }, (res) => {
          res.resume();
          res.on("end", resolve);
        }).on("error", reject).end();
      });
      await sleep(10);
      assert.equal(sockets.length, 1);
      const closed = once(sockets[0]!, "close");
      await listener.close();
      await closed;
    } finally {
      agent.destroy();
    }
  });

  test("in-flight HTTP requests and gRPC calls finish during close()", async () => {
    const release = deferred();
    const httpStarted = deferred();
    const grpcStarted = deferred();
    const listener = await start(
      (_req, res) => {
        httpStarted.resolve();
        void release.promise.then(() => res.end("late"));
      },
      { shutdownGraceMs: 5_000 },
      [getNote(release.promise, () => grpcStarted.resolve())],
    );
    const { client, call } = grpcClient(listener);
    try {
      const httpResponse = fetch(`http://127.0.0.1:${listener.address.port}/hold`).then(async (r) => ({
        text: await r.text(),
      }));
      const grpcResponse = call("projects/p/notes/slow");
      await Promise.all([httpStarted.promise, grpcStarted.promise]);
      const closing = listener.close();
      release.resolve();
      const [http, grpc] = await Promise.all([httpResponse, grpcResponse]);
      await closing;
      assert.equal(http.text, "late");
      assert.equal(grpc.name, "projects/p/notes/slow");
    } finally {
      client.close();
    }
  });

  test("work that outlasts the grace period is cut off and close() still resolves", async () => {
    const started = deferred();
    const listener = await start(
      () => started.resolve(),
      { shutdownGraceMs: 200 },
    );
    const hanging = fetch(`http://127.0.0.1:${listener.address.port}/hang`).then(
      () => "answered",
      () => "cut off",
    );
    await started.promise;
    await listener.close();
    assert.equal(await hanging, "cut off");
  });
});
