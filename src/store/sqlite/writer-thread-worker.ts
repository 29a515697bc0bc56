/**
 * @module store/sqlite/writer-thread-worker
 *
 * The writer thread's side of `writer-thread.ts`: opens its own connection to
 * the store's file, runs each write it is sent in order, and answers with the
 * result or the ScribaError as plain data.
 */
import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "./connection.js";
import { toScribaError } from "./sqlite-errors.js";
import { SqliteWrites } from "./sqlite-writes.js";
import { errorData, type WriterReply, type WriterRequest, type WriterThreadOptions } from "./writer-thread.js";

const port = parentPort;
if (port === null) throw new Error("writer-thread-worker runs only as a worker thread");

// The store's connection created and migrated the file; opening it again only checks the schema version.
const db = openDatabase(workerData as WriterThreadOptions);
const writes = new SqliteWrites(db);

port.on("message", (request: WriterRequest) => {
  if (request.operation === "close") {
    db.close();
    port.close();
    return;
  }
  let reply: WriterReply;
  try {
    reply = { id: request.id, value: writes.perform(request.operation, request.args as never) };
  } catch (error) {
    reply = { id: request.id, error: errorData(toScribaError(error)) };
  }
  port.postMessage(reply);
});
