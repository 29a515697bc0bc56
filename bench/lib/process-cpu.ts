/**
 * @module bench/lib/process-cpu
 *
 * CPU time of another process, read from `/proc/<pid>/stat` (user + system,
 * every thread). Sampled when a measured window opens and closes, it gives the
 * server's CPU per request and how busy its core was: a server core below
 * ~95% busy means the client, not the server, set the rate, and the ratio
 * against a baseline then says little. Linux only; elsewhere it is unknown.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const probe = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const value = Number(probe.stdout.trim());
    ticksPerSecond = probe.status === 0 && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

/** CPU seconds the process has used so far, or undefined if it cannot be read. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces; fields after it are plain.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) return undefined;
  return (user + system) / clockTicks();
}

export interface CpuSample {
  readonly cpuSeconds: number | undefined;
  readonly wallSeconds: number;
}

export function sampleCpu(pid: number): CpuSample {
  return { cpuSeconds: processCpuSeconds(pid), wallSeconds: performance.now() / 1000 };
}

export interface CpuUse {
  /** CPU seconds used between the samples. */
  readonly cpuSeconds: number;
  /** CPU seconds per wall second (1.0 = one core fully busy). */
  readonly utilization: number;
}

export function cpuBetween(start: CpuSample, end: CpuSample): CpuUse | undefined {
  if (start.cpuSeconds === undefined || end.cpuSeconds === undefined) return undefined;
  const cpuSeconds = end.cpuSeconds - start.cpuSeconds;
  const wall = end.wallSeconds - start.wallSeconds;
  return { cpuSeconds, utilization: wall > 0 ? cpuSeconds / wall : 0 };
}
