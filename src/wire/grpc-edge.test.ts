import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { credentials, makeGenericClientConstructor, Metadata, ServerCredentials, status } from "@grpc/grpc-js";
import type { Client, ServiceError } from "@grpc/grpc-js";
import { create, fromBinary } from "@bufbuild/protobuf";
import type { Message } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { ScribaError } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";
import { Grafeas, GetNoteRequestSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import type { GetNoteRequest, Note } from "../gen/grafeas/v1/grafeas_pb.js";
import { Projects } from "../gen/grafeas/v1/project_pb.js";
import { createGrpcServer, grpcServiceBindings } from "./grpc-edge.js";
import { messageReply } from "./message-reply.js";
import type { RpcMethod } from "./rpc.js";

const codes: ErrorCode[] = [
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "UNAUTHENTICATED",
];

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * GetNote behaves by the note ID: an error code throws that code, `sync`
 * throws before returning a promise, `crash` throws a plain Error, `wrong`
 * replies with a Project, `wait` waits for its signal; anything else is found.
 */
function getNoteMethod(hooks: { started: () => void; aborted: (reason: unknown) => void }): RpcMethod {
  return {
    method: Grafeas.method.getNote,
    handler: (request, context) => {
      const id = (request as GetNoteRequest).name.split("/").at(-1) ?? "";
      if (id === "sync") throw new ScribaError("FAILED_PRECONDITION", "thrown synchronously");
      return (async () => {
        if ((codes as string[]).includes(id)) {
          throw new ScribaError(id as ErrorCode, `failed with ${id}`, {
            violations: id === "INVALID_ARGUMENT" ? [{ field: "name", description: "is odd" }, { field: "x", description: "y" }] : [],
          });
        }
        if (id === "crash") throw new Error("disk /dev/sda1 on fire");
        if (id === "wrong") return messageReply(Projects.method.getProject.output, create(Projects.method.getProject.output, { name: "projects/p" }));
        if (id === "wait") {
          const signal = context.signal!;
          hooks.started();
          await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
          hooks.aborted(signal.reason);
          throw signal.reason;
        }
        return messageReply(Grafeas.method.getNote.output, create(Grafeas.method.getNote.output, { name: (request as GetNoteRequest).name, shortDescription: "found" }));
      })();
    },
  };
}

type Unary = (request: unknown, metadata: Metadata, options: object, callback: (error: ServiceError | null, value?: unknown) => void) => void;

describe("gRPC edge", { timeout: 20_000 }, () => {
  const logged: { where: string; error: ScribaError }[] = [];
  let started = deferred<void>();
  let aborted = deferred<unknown>();
  const server = createGrpcServer({
    methods: [
      getNoteMethod({ started: () => started.resolve(), aborted: (reason) => aborted.resolve(reason) }),
    ],
    logInternalError: (where, error) => logged.push({ where, error }),
  });
  let client: Client & Record<string, Unary>;
  let rawClient: Client & Record<string, Unary>;

  before(async () => {
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const [binding] = grpcServiceBindings([getNoteMethod({ started: () => {}, aborted: () => {} })], () => {});
    const Grafeas_ = makeGenericClientConstructor(binding!.definition, "Grafeas");
    client = new Grafeas_(`127.0.0.1:${port}`, credentials.createInsecure()) as Client & Record<string, Unary>;
    // The same method, but sending whatever bytes it is given.
    const RawGrafeas = makeGenericClientConstructor(
      { getNote: { ...binding!.definition["getNote"]!, requestSerialize: (bytes: Buffer) => bytes } },
      "RawGrafeas",
    );
    rawClient = new RawGrafeas(`127.0.0.1:${port}`, credentials.createInsecure()) as Client & Record<string, Unary>;
  });

  after(() => {
    client.close();
    rawClient.close();
    server.forceShutdown();
  });

  function getNote(name: string, options: { deadline?: Date; cancelAfter?: Promise<void> } = {}): Promise<Note> {
    return new Promise((resolve, reject) => {
      const call = (client["getNote"] as unknown as (...args: unknown[]) => { cancel(): void })(
        create(GetNoteRequestSchema, { name }),
        new Metadata(),
        options.deadline ? { deadline: options.deadline } : {},
        (error: ServiceError | null, value?: unknown) => (error ? reject(error) : resolve(value as Note)),
      );
      void options.cancelAfter?.then(() => call.cancel());
    });
  }

  async function failure(promise: Promise<unknown>): Promise<ServiceError> {
    try {
      await promise;
    } catch (error) {
      return error as ServiceError;
    }
    assert.fail("the call succeeded");
  }

  test("a call returns the handler's reply as a typed message", async () => {
    const note = await getNote("projects/p/notes/n");
    assert.equal(note.$typeName, "grafeas.v1.Note");
    assert.equal(note.name, "projects/p/notes/n");
    assert.equal(note.shortDescription, "found");
  });

  for (const code of codes) {
    test(`${code} reaches the client as gRPC status ${status[code]}`, async () => {
      const error = await failure(getNote(`projects/p/notes/${code}`));
      assert.equal(error.code, status[code]);
      const masked = code === "INTERNAL" || code === "UNKNOWN";
      assert.equal(error.details, masked ? "internal error" : `failed with ${code}`);
    });
  }

  test("field violations travel in grpc-status-details-bin as a google.rpc.BadRequest", async () => {
    const error = await failure(getNote("projects/p/notes/INVALID_ARGUMENT"));
    const [bytes] = error.metadata.get("grpc-status-details-bin");
    assert.ok(bytes instanceof Buffer);
    const rpcStatus = fromBinary(StatusSchema, bytes);
    assert.equal(rpcStatus.code, status.INVALID_ARGUMENT);
    assert.equal(rpcStatus.details[0]?.typeUrl, "type.googleapis.com/google.rpc.BadRequest");
    const violations: [string, string][] = [];
    const reader = new BinaryReader(rpcStatus.details[0].value);
    while (reader.pos < reader.len) {
      reader.tag();
      const inner = new BinaryReader(reader.bytes());
      inner.tag();
      const field = inner.string();
      inner.tag();
      violations.push([field, inner.string()]);
    }
    assert.deepEqual(violations, [["name", "is odd"], ["x", "y"]]);
  });

  test("a handler that throws before returning a promise still answers with its code", async () => {
    const error = await failure(getNote("projects/p/notes/sync"));
    assert.equal(error.code, status.FAILED_PRECONDITION);
  });

  test("an unexpected failure is logged with its cause and shown as internal error", async () => {
    const error = await failure(getNote("projects/p/notes/crash"));
    assert.equal(error.code, status.INTERNAL);
    assert.equal(error.details, "internal error");
    const entry = logged.find((l) => (l.error.cause as Error | undefined)?.message === "disk /dev/sda1 on fire");
    assert.ok(entry);
    assert.equal(entry.where, "grpc /grafeas.v1.Grafeas/GetNote");
  });

  test("a reply of the wrong message type is an internal error", async () => {
    const error = await failure(getNote("projects/p/notes/wrong"));
    assert.equal(error.code, status.INTERNAL);
    assert.ok(logged.some((l) => String(l.error.cause).includes("grafeas.v1.project.Project")));
  });

  test("request bytes that are not a message are INVALID_ARGUMENT", async () => {
    const error = await failure(
      new Promise((resolve, reject) =>
        rawClient["getNote"]!(Buffer.from([0x0a, 0xff, 0xff]), new Metadata(), {}, (e, v) => (e ? reject(e) : resolve(v))),
      ),
    );
    assert.equal(error.code, status.INVALID_ARGUMENT);
    assert.match(error.details, /not a valid grafeas\.v1\.GetNoteRequest/);
  });

  test("a method that was not given is UNIMPLEMENTED", async () => {
    const [binding] = grpcServiceBindings(
      [{ method: Grafeas.method.listNotes, handler: () => Promise.reject(new Error("unused")) }],
      () => {},
    );
    const Other = makeGenericClientConstructor(binding!.definition, "Other");
    const other = new Other(client.getChannel().getTarget().replace(/^dns:/, ""), credentials.createInsecure()) as Client &
      Record<string, Unary>;
    try {
      const error = await failure(
        new Promise((resolve, reject) =>
          other["listNotes"]!(create(Grafeas.method.listNotes.input, {}), new Metadata(), {}, (e, v) => (e ? reject(e) : resolve(v))),
        ),
      );
      assert.equal(error.code, status.UNIMPLEMENTED);
    } finally {
      other.close();
    }
  });

  test("the handler's signal aborts with CANCELLED when the client cancels", async () => {
    started = deferred();
    aborted = deferred();
    const error = await failure(getNote("projects/p/notes/wait", { cancelAfter: started.promise }));
    assert.equal(error.code, status.CANCELLED);
    const reason = await aborted.promise;
    assert.ok(reason instanceof ScribaError);
    assert.equal(reason.code, "CANCELLED");
  });

  test("the handler's signal aborts with DEADLINE_EXCEEDED when the deadline passes", async () => {
    started = deferred();
    aborted = deferred();
    const error = await failure(getNote("projects/p/notes/wait", { deadline: new Date(Date.now() + 300) }));
    assert.equal(error.code, status.DEADLINE_EXCEEDED);
    const reason = await aborted.promise;
    assert.ok(reason instanceof ScribaError);
    assert.equal(reason.code, "DEADLINE_EXCEEDED");
  });
});

describe("gRPC service bindings", () => {
  test("methods are grouped into one definition per service", () => {
    const bindings = grpcServiceBindings(
      [Grafeas.method.getNote, Grafeas.method.listNotes, Projects.method.getProject].map((method) => ({
        method,
        handler: () => Promise.reject(new Error("unused")),
      })),
      () => {},
    );
    assert.deepEqual(
      bindings.map((b) => Object.values(b.definition).map((d) => d.path)),
      [["/grafeas.v1.Grafeas/GetNote", "/grafeas.v1.Grafeas/ListNotes"], ["/grafeas.v1.project.Projects/GetProject"]],
    );
  });

  test("a method given twice is refused", () => {
    const method = { method: Grafeas.method.getNote, handler: () => Promise.reject(new Error("unused")) };
    assert.throws(() => grpcServiceBindings([method, method], () => {}), /given twice/);
  });

  test("request serialization round-trips through the definition", () => {
    const [binding] = grpcServiceBindings([{ method: Grafeas.method.getNote, handler: () => Promise.reject(new Error("unused")) }], () => {});
    const definition = binding!.definition["getNote"]!;
    const bytes = definition.requestSerialize(create(GetNoteRequestSchema, { name: "projects/p/notes/n" }));
    assert.equal((definition.requestDeserialize(bytes) as Message & { name: string }).name, "projects/p/notes/n");
  });
});
