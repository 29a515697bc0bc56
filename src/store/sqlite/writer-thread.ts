/**
 * @module store/sqlite/writer-thread
 *
 * The SQLite store's writes on a worker thread with a connection of its own.
 * better-sqlite3 is synchronous: on the event loop, every commit would hold
 * it for the commit's fsync (at `synchronous=FULL`) and the inserts
 * themselves. Here the event loop only hands the rows over; while the writer
 * commits one call, the loop decodes, validates and answers the next. Reads
 * stay on the store's own connection, which WAL lets run beside the writer;
 * a write is acknowledged only after its commit, so every read that starts
 * after the acknowledgement sees it.
 *
 * The writer takes calls in order, one at a time, as the single writer that
 * SQLite allows anyway. If the thread dies, every write waiting on it and
 * every later one fails UNAVAILABLE, and so does `ping` (the store's
 * readiness): the process needs a restart, which an orchestrator does on a
 * failed readiness check.
 */
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { ScribaError, type ErrorCode, type FieldViolation } from "../../errors.js";
import { storeClosed } from "../store-errors.js";
import type { SqliteWriter } from "./sqlite-writer.js";
import type { WriteArguments, WriteOperation, WriteResult } from "./sqlite-writes.js";

/** What the thread is started with. */
export interface WriterThreadOptions {
  /** The database file, already created and migrated by the store's own connection. */
  readonly path: string;
  readonly synchronous: "FULL" | "NORMAL";
}

/** One write for the thread; `close` asks it to finish. */
export type WriterRequest =
  | { readonly id: number; readonly operation: WriteOperation; readonly args: readonly unknown[] }
  | { readonly id: number; readonly operation: "close" };

/** A ScribaError as plain data (a class does not survive the copy between threads). */
export interface ErrorData {
  readonly code: ErrorCode;
  readonly message: string;
  readonly violations: readonly FieldViolation[];
  /** The message of the error's cause, kept for the logs. */
  readonly cause?: string | undefined;
}

export type WriterReply =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: ErrorData };

export function errorData(error: ScribaError): ErrorData {
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return { code: error.code, message: error.message, violations: error.violations, cause };
}

function errorFromData(data: ErrorData): ScribaError {
  return new ScribaError(data.code, data.message, {
    violations: data.violations,
    ...(data.cause === undefined ? {} : { cause: new Error(data.cause) }),
  });
}

const writerStopped = (cause?: unknown) =>
  new ScribaError("UNAVAILABLE", "the SQLite writer has stopped; restart Scriba", { cause });

/**
 * Starts the worker's module. Compiled, it is the `.js` beside this one. Run
 * from the TypeScript sources (the tests, under tsx), the thread first needs a
 * TypeScript loader: Node 20 gives worker threads none of the main thread's
 * module hooks, so a small bootstrap imports the `.ts` module through tsx.
 */
function startWorker(options: WriterThreadOptions): Worker {
  const extension = extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./writer-thread-worker${extension}`, import.meta.url);
  if (extension === ".js") return new Worker(entry, { workerData: options });
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

interface Waiter {
  readonly resolve: (value: never) => void;
  readonly reject: (error: ScribaError) => void;
}

export class WriterThread implements SqliteWriter {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiter>();
  #nextId = 0;
  /** Set once the thread is gone (or going): every call fails with it. */
  #stopped: ScribaError | undefined;
  readonly #exited: Promise<void>;

  constructor(options: WriterThreadOptions) {
    this.#worker = startWorker(options);
    // An idle writer does not keep the process alive; one with writes in flight does (see #send).
    this.#worker.unref();
    this.#worker.on("message", (reply: WriterReply) => this.#settle(reply));
    this.#worker.on("error", (error) => this.#stop(writerStopped(error)));
    this.#exited = new Promise((resolve) => {
      this.#worker.once("exit", (code) => {
        this.#stop(writerStopped(new Error(`the writer thread exited with code ${code}`)));
        resolve();
      });
    });
  }

  run<K extends WriteOperation>(operation: K, ...args: WriteArguments<K>): Promise<WriteResult<K>> {
    return this.#send({ id: this.#nextId++, operation, args });
  }

  ping(): Promise<void> {
    return this.run("ping");
  }

  close(): Promise<void> {
    if (this.#stopped === undefined) {
      // The thread answers the writes already sent, in order, before it reads this.
      this.#worker.ref();
      this.#worker.postMessage({ id: this.#nextId++, operation: "close" } satisfies WriterRequest);
      this.#stopped = storeClosed();
    }
    return this.#exited;
  }

  #send<T>(request: WriterRequest): Promise<T> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    return new Promise<T>((resolve, reject) => {
      if (this.#waiting.size === 0) this.#worker.ref();
      this.#waiting.set(request.id, { resolve, reject });
      this.#worker.postMessage(request);
    });
  }

  #settle(reply: WriterReply): void {
    const waiter = this.#waiting.get(reply.id);
    if (waiter === undefined) return;
    this.#waiting.delete(reply.id);
    if (this.#waiting.size === 0 && this.#stopped === undefined) this.#worker.unref();
    if ("error" in reply) waiter.reject(errorFromData(reply.error));
    else waiter.resolve(reply.value as never);
  }

  #stop(error: ScribaError): void {
    this.#stopped ??= error;
    for (const waiter of this.#waiting.values()) waiter.reject(error);
    this.#waiting.clear();
  }
}
