/**
 * @module bench/lib/task-loop
 *
 * In-process measurements (raw SQLite inserts and queries, verify loops): a
 * task's `step` runs back to back, first for the warm-up, then for the
 * measured window, each step timed. The loop runs in its own pinned process
 * (see workers/task), so it gets the same one core a server gets.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BenchChild } from "./child-process.js";
import { LatencyHistogram, summarizeLatency } from "./histogram.js";
import type { LoadTiming } from "./load-spec.js";
import type { Measurement } from "./load-runner.js";

export interface Task {
  /** Does one unit of work; returns how many operations it was (rows in a batch, 1 for a query). */
  step(): number | Promise<number>;
  close?(): void | Promise<void>;
}

export interface TaskSpec<P = unknown> extends LoadTiming {
  /** A name from the task registry in workers/task. */
  readonly task: string;
  readonly params: P;
}

async function stepOnce(task: Task): Promise<number> {
  const result = task.step();
  return typeof result === "number" ? result : await result;
}

export async function runTaskLoop(task: Task, timing: LoadTiming, onOpen?: () => void): Promise<Measurement> {
  const warmupEnd = performance.now() + timing.warmupSeconds * 1000;
  while (performance.now() < warmupEnd) await stepOnce(task);
  onOpen?.();
  const histogram = new LatencyHistogram();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const end = start + timing.durationSeconds * 1000;
  let operations = 0;
  let steps = 0;
  let now = start;
  while (timing.burst === undefined ? now < end : steps < timing.burst) {
    const before = now;
    operations += await stepOnce(task);
    steps += 1;
    now = performance.now();
    histogram.record((now - before) * 1000);
  }
  const cpu = process.cpuUsage(cpuStart);
  const seconds = (now - start) / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    tool: "in-process",
    rate: seconds > 0 ? operations / seconds : 0,
    operations,
    seconds,
    errors: 0,
    errorSamples: [],
    latency: summarizeLatency(histogram),
    cpuMicrosPerOp: operations > 0 ? (cpuSeconds * 1e6) / operations : undefined,
    utilization: seconds > 0 ? cpuSeconds / seconds : undefined,
  };
}

/** Runs a task in its own process on `cpus` and returns its measurement. */
export async function measureTask(
  spec: TaskSpec,
  cpus: string | undefined,
  workDir: string,
  nodeArgs: readonly string[] = [],
): Promise<Measurement> {
  const specFile = join(workDir, `task-${spec.task}-${process.pid}-${Date.now()}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const child = BenchChild.worker("task", [specFile], { name: `task ${spec.task}`, cpus, nodeArgs });
  const timeout = (spec.warmupSeconds + spec.durationSeconds) * 1000 + 120_000;
  const last = await child.waitForLine("stdout", (l) => "result" in l || "error" in l, timeout);
  await child.exited;
  if ("error" in last) throw new Error(`task ${spec.task} failed: ${String(last["error"])}`);
  return last["result"] as Measurement;
}
