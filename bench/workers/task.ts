/**
 * @module bench/workers/task
 *
 * An in-process measurement: `node task.js SPEC.json` builds the named task,
 * runs its step in a loop (warm-up, then the measured window) and prints the
 * measurement. The harness starts it pinned to the server CPU.
 */
import { emit, readSpec, runWorker } from "../lib/json-lines.js";
import { runTaskLoop, type Task, type TaskSpec } from "../lib/task-loop.js";
import { createAttestVerifyTask, type AttestVerifyParams } from "../tasks/attest-verify.js";
import { createPgGetTask, type PgGetParams } from "../tasks/pg-get.js";
import { createPgInsertTask, type PgInsertParams } from "../tasks/pg-insert.js";
import { createPgListTask, type PgListParams } from "../tasks/pg-list.js";
import { createSqliteInsertTask, type SqliteInsertParams } from "../tasks/sqlite-insert.js";
import { createSqliteListTask, type SqliteListParams } from "../tasks/sqlite-list.js";

const tasks: Record<string, (params: never) => Task | Promise<Task>> = {
  "sqlite-insert": (params: SqliteInsertParams) => createSqliteInsertTask(params),
  "sqlite-list": (params: SqliteListParams) => createSqliteListTask(params),
  "attest-verify": (params: AttestVerifyParams) => createAttestVerifyTask(params),
  "pg-insert": (params: PgInsertParams) => createPgInsertTask(params),
  "pg-list": (params: PgListParams) => createPgListTask(params),
  "pg-get": (params: PgGetParams) => createPgGetTask(params),
};

runWorker(async () => {
  const spec = readSpec<TaskSpec>();
  const create = tasks[spec.task];
  if (create === undefined) throw new Error(`unknown task ${spec.task}; known: ${Object.keys(tasks).join(", ")}`);
  const task = await create(spec.params as never);
  try {
    return await runTaskLoop(task, spec, () => emit({ event: "window-opened" }));
  } finally {
    await task.close?.();
  }
});
