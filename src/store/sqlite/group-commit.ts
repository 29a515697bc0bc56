/**
 * @module store/sqlite/group-commit
 *
 * Several writes in one commit. At `synchronous=FULL` every commit waits for
 * an fsync, so writes that each commit alone go at the disk's pace, one fsync
 * per create. The writer thread instead takes every write that is already
 * waiting and commits them together: one IMMEDIATE transaction, each write
 * in a savepoint of its own, one fsync for all.
 *
 * Each write still succeeds or fails alone: a write that fails rolls back its
 * savepoint only, and answers its own error. Writes run in the order they
 * were sent, each seeing the ones before it. Nothing is acknowledged before
 * the commit; should the commit itself fail, every write of the group fails
 * with that error and none is stored.
 */
import type Database from "better-sqlite3";
import { toScribaError } from "./sqlite-errors.js";
import type { SqliteWrites, WriteOperation } from "./sqlite-writes.js";
import { errorData, type WriterReply } from "./writer-thread.js";

/** One write of a group, as the writer thread receives it. */
export interface GroupedWrite {
  readonly id: number;
  readonly operation: WriteOperation;
  readonly args: readonly unknown[];
}

/** The most writes committed together, which bounds how long the first of them waits for the last. */
export const maxGroupSize = 64;

export type GroupCommit = (group: readonly GroupedWrite[]) => WriterReply[];

/** Returns a function that runs a group of writes on `db` in one commit and answers each. */
export function groupCommit(db: Database.Database, writes: SqliteWrites): GroupCommit {
  // Called inside the group's transaction, better-sqlite3 runs this one as a savepoint.
  const inSavepoint = db.transaction((write: GroupedWrite) => writes.perform(write.operation, write.args as never));
  const runAll = db.transaction((group: readonly GroupedWrite[]): WriterReply[] =>
    group.map((write) => {
      try {
        return { id: write.id, value: inSavepoint(write) };
      } catch (error) {
        return { id: write.id, error: errorData(toScribaError(error)) };
      }
    }),
  );
  return (group) => {
    try {
      return runAll.immediate(group);
    } catch (error) {
      // BEGIN or COMMIT failed: nothing of the group is stored.
      const data = errorData(toScribaError(error));
      return group.map((write) => ({ id: write.id, error: data }));
    }
  };
}
