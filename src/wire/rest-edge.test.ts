import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { ScribaError } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { Grafeas } from "../gen/grafeas/v1/grafeas_pb.js";
import type { GetNoteRequest } from "../gen/grafeas/v1/grafeas_pb.js";
import { createRestHandler } from "./rest-edge.js";
import type { RestEdgeOptions } from "./rest-edge.js";
import type { RpcMethod } from "./rpc.js";
import { createInMemoryGrafeas, internalFailureSecret } from "./testing/in-memory-grafeas.js";

const allCodes: [ErrorCode, number][] = [
  ["CANCELLED", 499],
  ["UNKNOWN", 500],
  ["INVALID_ARGUMENT", 400],
  ["DEADLINE_EXCEEDED", 504],
  ["NOT_FOUND", 404],
  ["ALREADY_EXISTS", 409],
  ["PERMISSION_DENIED", 403],
  ["RESOURCE_EXHAUSTED", 429],
  ["FAILED_PRECONDITION", 412],
  ["ABORTED", 409],
  ["OUT_OF_RANGE", 400],
  ["UNIMPLEMENTED", 501],
  ["INTERNAL", 500],
  ["UNAVAILABLE", 503],
  ["UNAUTHENTICATED", 401],
];

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

interface Harness {
  readonly base: string;
  readonly port: number;
  readonly logged: { where: string; error: ScribaError }[];
  /** Resolves when a GetNote of `wait` has started. */
  readonly waitStarted: Promise<void>;
  /** Resolves with the abort reason that GetNote of `wait` saw. */
  readonly waitAborted: Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The in-memory Grafeas, except that GetNote of a note called after an error
 * code fails with that code, `projects/p/notes/crash` throws a plain Error, and
 * `projects/p/notes/wait` waits until the call is aborted.
 */
async function startRest(options: Partial<RestEdgeOptions> = {}): Promise<Harness> {
  const grafeas = createInMemoryGrafeas();
  const started = deferred<void>();
  const aborted = deferred<unknown>();
  const failingGetNote: RpcMethod = {
    method: Grafeas.method.getNote,
    handler: async (request, context) => {
      const id = (request as GetNoteRequest).name.split("/").at(-1) ?? "";
      if (allCodes.some(([code]) => code === id)) {
        throw new ScribaError(id as ErrorCode, `failed with ${id}`, {
          violations: id === "INVALID_ARGUMENT" ? [{ field: "name", description: "is odd" }] : [],
        });
      }
      if (id === "crash") throw new Error(internalFailureSecret);
      if (id === "wait") {
        const signal = context.signal!;
        started.resolve();
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        aborted.resolve(signal.reason);
        throw signal.reason;
      }
      const original = grafeas.methods.find((m) => m.method === Grafeas.method.getNote)!;
      return original.handler(request, context);
    },
  };
  const methods = [failingGetNote, ...grafeas.methods.filter((m) => m.method !== Grafeas.method.getNote)];
  const logged: Harness["logged"] = [];
  const server: Server = createServer(
    createRestHandler({ methods, logInternalError: (where, error) => logged.push({ where, error }), ...options }),
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    logged,
    waitStarted: started.promise,
    waitAborted: aborted.promise,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

async function call(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(base + path, {
    method,
    ...(body === undefined ? {} : { body }),
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A raw request, for what fetch will not send (a lying Content-Length, a stalled body). */
async function raw(port: number, request: string): Promise<string> {
  const socket = connect(port, "127.0.0.1");
  socket.write(request);
  let text = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (text += chunk));
  await once(socket, "close");
  return text;
}

describe("REST edge: successful calls", { timeout: 20_000 }, () => {
  let rest: Harness;
  before(async () => {
    rest = await startRest();
    const created = await call(rest.base, "POST", "/v1/projects/p/notes?noteId=n1", '{"kind":"ATTESTATION","shortDescription":"one"}');
    assert.equal(created.status, 200, created.text);
  });
  after(() => rest.close());

  test("a reply is JSON with a UTF-8 content type", async () => {
    const response = await call(rest.base, "GET", "/v1/projects/p/notes/n1");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
    const note = JSON.parse(response.text);
    assert.equal(note.name, "projects/p/notes/n1");
    assert.equal(note.kind, "ATTESTATION");
  });

  test("$alt=json;enum-encoding=int answers enums as numbers", async () => {
    const response = await call(rest.base, "GET", "/v1/projects/p/notes/n1?$alt=json%3Benum-encoding=int");
    assert.equal(JSON.parse(response.text).kind, 7);
  });

  test("an Empty reply is {}", async () => {
    await call(rest.base, "POST", "/v1/projects/p/notes?noteId=gone", "{}");
    const response = await call(rest.base, "DELETE", "/v1/projects/p/notes/gone");
    assert.equal(response.status, 200);
    assert.equal(response.text, "{}");
  });

  test("a body sent as a form or without a content type is read as JSON (curl -d)", async () => {
    const form = await call(rest.base, "POST", "/v1/projects/p/notes?noteId=curl", '{"shortDescription":"c"}', {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal(form.status, 200, form.text);
    const untyped = await fetch(`${rest.base}/v1/projects/p/notes?noteId=untyped`, {
      method: "POST",
      body: new Blob(['{"shortDescription":"u"}']),
    });
    assert.equal(untyped.status, 200, await untyped.text());
  });

  test("extra routes serve paths that are not API methods", async () => {
    const extra = await startRest({
      extraRoutes: (req, res) => {
        if (req.url !== "/healthz") return false;
        res.end("ok");
        return true;
      },
    });
    try {
      assert.equal((await call(extra.base, "GET", "/healthz")).text, "ok");
      assert.equal((await call(extra.base, "GET", "/readyz")).status, 404);
      assert.equal((await call(extra.base, "GET", "/v1/projects/p/notes/missing")).status, 404);
    } finally {
      await extra.close();
    }
  });
});

describe("REST edge: errors", { timeout: 20_000 }, () => {
  let rest: Harness;
  before(async () => {
    rest = await startRest();
  });
  after(() => rest.close());

  for (const [code, httpStatus] of allCodes) {
    test(`${code} is HTTP ${httpStatus} with a Google-style body`, async () => {
      const response = await call(rest.base, "GET", `/v1/projects/p/notes/${code}`);
      assert.equal(response.status, httpStatus);
      assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
      const masked = code === "INTERNAL" || code === "UNKNOWN";
      const details =
        code === "INVALID_ARGUMENT"
          ? [
              {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                fieldViolations: [{ field: "name", description: "is odd" }],
              },
            ]
          : [];
      assert.deepEqual(JSON.parse(response.text), {
        error: { code: httpStatus, message: masked ? "internal error" : `failed with ${code}`, status: code, details },
      });
    });
  }

  test("an unexpected failure is logged with its cause and shown as internal error", async () => {
    const response = await call(rest.base, "GET", "/v1/projects/p/notes/crash");
    assert.equal(response.status, 500);
    assert.ok(!response.text.includes("hunter2"));
    assert.equal(JSON.parse(response.text).error.message, "internal error");
    const entry = rest.logged.find((l) => l.where.includes("/v1/projects/p/notes/crash"));
    assert.ok(entry);
    assert.equal((entry.error.cause as Error).message, internalFailureSecret);
  });

  test("an unknown path is a Google-style 404", async () => {
    const response = await call(rest.base, "GET", "/v1/projects/p/things");
    assert.equal(response.status, 404);
    assert.equal(JSON.parse(response.text).error.status, "NOT_FOUND");
  });

  test("a known path with the wrong method is 405 with Allow", async () => {
    const response = await call(rest.base, "PUT", "/v1/projects/p/notes/n", "{}");
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "DELETE, GET, PATCH");
    assert.equal(JSON.parse(response.text).error.code, 405);
  });

  test("a bad query parameter is 400 naming it", async () => {
    const response = await call(rest.base, "GET", "/v1/projects/p/notes?pageSize=lots&colour=red");
    assert.equal(response.status, 400);
    const error = JSON.parse(response.text).error;
    assert.equal(error.status, "INVALID_ARGUMENT");
    assert.match(error.message, /pageSize/);
  });

  test("an unknown body field is 400 naming it", async () => {
    const response = await call(rest.base, "POST", "/v1/projects/p/notes?noteId=x", '{"colour":"red"}');
    assert.equal(response.status, 400);
    assert.deepEqual(JSON.parse(response.text).error.details[0].fieldViolations, [
      { field: "colour", description: "is not a field of the request" },
    ]);
  });

  test("a malformed escape in the path is 400", async () => {
    const response = await call(rest.base, "GET", "/v1/projects/p/notes/%zz");
    assert.equal(response.status, 400);
  });

  test("a body declared as something other than JSON is 415", async () => {
    const response = await call(rest.base, "POST", "/v1/projects/p/notes?noteId=x", "<note/>", {
      "content-type": "application/xml",
    });
    assert.equal(response.status, 415);
    assert.equal(JSON.parse(response.text).error.status, "INVALID_ARGUMENT");
  });
});

describe("REST edge: body bounds", { timeout: 20_000 }, () => {
  let rest: Harness;
  before(async () => {
    rest = await startRest({ maxBodyBytes: 64, bodyTimeoutMs: 200 });
  });
  after(() => rest.close());

  test("a declared body over the limit is 413 before it is read", async () => {
    const response = await call(rest.base, "POST", "/v1/projects/p/notes?noteId=big", JSON.stringify({ shortDescription: "x".repeat(100) }));
    assert.equal(response.status, 413);
    assert.deepEqual(JSON.parse(response.text).error.status, "RESOURCE_EXHAUSTED");
  });

  test("a chunked body that grows over the limit is 413", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${rest.base}/v1/projects/p/notes?noteId=chunked`, { method: "POST" }, (res: IncomingMessage) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write('{"shortDescription":"');
      req.write("y".repeat(100));
      req.end('"}');
    });
    assert.equal(status, 413);
  });

  test("a body that stops arriving is 408 and the connection is closed", async () => {
    const text = await raw(
      rest.port,
      "POST /v1/projects/p/notes?noteId=slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"shortDe",
    );
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /"status":"DEADLINE_EXCEEDED"/);
  });

  test("a body within the limit is accepted", async () => {
    const response = await call(rest.base, "POST", "/v1/projects/p/notes?noteId=small", '{"shortDescription":"s"}');
    assert.equal(response.status, 200, response.text);
  });
});

describe("REST edge: cancellation", { timeout: 20_000 }, () => {
  test("the handler's signal aborts with CANCELLED when the client goes away", async () => {
    const rest = await startRest();
    try {
      const controller = new AbortController();
      const pending = fetch(`${rest.base}/v1/projects/p/notes/wait`, { signal: controller.signal }).catch(() => undefined);
      await rest.waitStarted;
      controller.abort();
      const reason = await rest.waitAborted;
      await pending;
      assert.ok(reason instanceof ScribaError);
      assert.equal(reason.code, "CANCELLED");
    } finally {
      await rest.close();
    }
  });
});
