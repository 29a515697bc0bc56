/**
 * @module bench/lib/load-runner
 *
 * Runs one load spec against a server from a separate, pinned process (wrk or
 * the Node load generator) and measures the server at the same time: its CPU
 * from /proc between the window's opening and closing, so each figure also
 * says how many CPU microseconds the server spent per request and whether
 * its core was saturated.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BenchChild } from "./child-process.js";
import { LatencyHistogram, summarizeLatency, type LatencySummary } from "./histogram.js";
import type { LoadOutcome, LoadSpec, LoadTool } from "./load-spec.js";
import type { WindowEvents } from "./load-window.js";
import { cpuBetween, sampleCpu, type CpuSample, type CpuUse } from "./process-cpu.js";
import { runWrkLoad } from "./wrk.js";

/** `auto`: wrk for HTTP when installed, the Node generator otherwise (and always for gRPC). */
export type LoadToolChoice = "auto" | "wrk" | "node";

export interface LoadRunContext {
  readonly tool: LoadToolChoice;
  readonly wrkAvailable: boolean;
  readonly clientCpus: string | undefined;
  readonly workDir: string;
}

/** One side of a figure in one round: what was measured and how. */
export interface Measurement {
  readonly tool: LoadTool | "in-process";
  /** Operations per second (requests, rows, verifications) over the measured window. */
  readonly rate: number;
  readonly operations: number;
  readonly seconds: number;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  readonly latency: LatencySummary;
  /** CPU time of the measured process per operation, in microseconds. */
  readonly cpuMicrosPerOp?: number | undefined;
  /** CPU seconds per wall second of the measured process (1.0 = its core was saturated). */
  readonly utilization?: number | undefined;
  /** Same, for the load generator. */
  readonly clientUtilization?: number | undefined;
}

export function chooseTool(spec: LoadSpec, context: LoadRunContext): "wrk" | "node" {
  if (spec.protocol === "grpc" || spec.burst !== undefined || (spec.extraUrls ?? []).length > 0) return "node";
  if (context.tool === "node") return "node";
  if (context.tool === "wrk" && !context.wrkAvailable) throw new Error("--loadgen wrk, but wrk is not installed");
  return context.wrkAvailable ? "wrk" : "node";
}

async function runNodeLoad(spec: LoadSpec, context: LoadRunContext, events: WindowEvents): Promise<LoadOutcome> {
  const specFile = join(context.workDir, `load-${process.pid}-${Date.now()}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const child = BenchChild.worker("loadgen", [specFile], { name: "load generator", cpus: context.clientCpus });
  child.onLine((line, stream) => {
    if (stream !== "stdout") return;
    if (line["event"] === "window-opened") events.opened?.();
    if (line["event"] === "window-closed") events.closed?.();
  });
  const timeout = ((spec.warmupSeconds + spec.durationSeconds) * 1000 + 60_000) * (spec.burst ? 10 : 1);
  const last = await child.waitForLine("stdout", (l) => "result" in l || "error" in l, timeout);
  await child.exited;
  if ("error" in last) throw new Error(`load generator failed: ${String(last["error"])}`);
  return last["result"] as LoadOutcome;
}

function latencyOf(outcome: LoadOutcome): LatencySummary {
  if (outcome.histogram !== undefined) return summarizeLatency(LatencyHistogram.from(outcome.histogram));
  const p = outcome.percentilesMs!;
  return { p50Ms: p.p50, p90Ms: p.p90, p99Ms: p.p99, maxMs: p.max, meanMs: p.mean };
}

function totalCpu(opened: readonly CpuSample[], closed: readonly CpuSample[]): CpuUse | undefined {
  const uses = opened.map((start, i) => cpuBetween(start, closed[i]!));
  if (uses.some((u) => u === undefined)) return undefined;
  return {
    cpuSeconds: uses.reduce((sum, u) => sum + u!.cpuSeconds, 0),
    utilization: uses.reduce((sum, u) => sum + u!.utilization, 0),
  };
}

/**
 * Drives the server whose process is `serverPid` with `spec`. `opsPerRequest`
 * turns requests into the figure's unit (rows per batch). Several pids
 * (replicas sharing the load): their CPU is added up.
 */
export async function measureServer(
  serverPid: number | readonly number[],
  spec: LoadSpec,
  context: LoadRunContext,
  opsPerRequest = 1,
): Promise<Measurement> {
  const pids = typeof serverPid === "number" ? [serverPid] : serverPid;
  let opened: CpuSample[] | undefined;
  let closed: CpuSample[] | undefined;
  const events: WindowEvents = {
    opened: () => (opened = pids.map(sampleCpu)),
    closed: () => (closed = pids.map(sampleCpu)),
  };
  const outcome =
    chooseTool(spec, context) === "wrk"
      ? await runWrkLoad(spec as Extract<LoadSpec, { protocol: "http" }>, context.workDir, context.clientCpus, events)
      : await runNodeLoad(spec, context, events);
  const successes = outcome.completed - outcome.errors;
  const operations = Math.max(0, successes) * opsPerRequest;
  const cpu = opened && closed ? totalCpu(opened, closed) : undefined;
  return {
    tool: outcome.tool,
    rate: outcome.windowSeconds > 0 ? operations / outcome.windowSeconds : 0,
    operations,
    seconds: outcome.windowSeconds,
    errors: outcome.errors,
    errorSamples: outcome.errorSamples,
    latency: latencyOf(outcome),
    cpuMicrosPerOp: cpu && operations > 0 ? (cpu.cpuSeconds * 1e6) / operations : undefined,
    utilization: cpu?.utilization,
    clientUtilization: outcome.clientUtilization,
  };
}
