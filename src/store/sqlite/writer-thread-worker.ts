/**
 * @module store/sqlite/writer-thread-worker
 *
 * The writer thread's side of `writer-thread.ts`: opens its own connection to
 * the store's file and runs the writes it is sent, in order. Every write that
 * is already waiting when the thread turns to work is committed with the
 * others (`group-commit.ts`); each is answered with its result or its
 * ScribaError as plain data once that commit is done.
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { openDatabase } from "./connection.js";
import { groupCommit, maxGroupSize, type GroupedWrite } from "./group-commit.js";
import { SqliteWrites } from "./sqlite-writes.js";
import type { WriterRequest, WriterThreadOptions } from "./writer-thread.js";

const port = parentPort;
if (port === null) throw new Error("writer-thread-worker runs only as a worker thread");

// The store's connection created and migrated the file; opening it again only checks the schema version.
const db = openDatabase(workerData as WriterThreadOptions);
const commit = groupCommit(db, new SqliteWrites(db));

port.on("message", (first: WriterRequest) => {
  const group: GroupedWrite[] = [];
  let closing = false;
  for (let request: WriterRequest | undefined = first; request !== undefined; ) {
    if (request.operation === "close") {
      // Sent after every write it must let finish, so nothing follows it.
      closing = true;
      break;
    }
    group.push(request);
    request = group.length < maxGroupSize ? (receiveMessageOnPort(port)?.message as WriterRequest | undefined) : undefined;
  }
  if (group.length > 0) for (const reply of commit(group)) port.postMessage(reply);
  if (closing) {
    db.close();
    port.close();
  }
});
