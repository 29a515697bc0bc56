/**
 * @module bench/lib/json-lines
 *
 * How harness workers report: one JSON object per line on stdout. Events
 * (`{"event":"window-opened"}`) let the harness sample other processes at the
 * right moments; the last line is `{"result": …}` or `{"error": …}`.
 */
import { readFileSync } from "node:fs";

export function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Reads the JSON spec file named by the first argument. */
export function readSpec<T>(): T {
  const path = process.argv[2];
  if (path === undefined) throw new Error("usage: node worker.js SPEC.json");
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** Runs a worker's main function, reporting its result or error as the last line, and exits. */
export function runWorker(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      emit({ result });
      process.exit(0);
    },
    (error: unknown) => {
      emit({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exit(1);
    },
  );
}
