/**
 * @module bench/lib/pinning
 *
 * Which CPUs the measured process and the load generator run on. On a 2-core
 * machine the server (or the in-process loop) gets CPU 0 and the client gets
 * CPU 1, with `taskset -c`, so that the two never steal time from each other
 * and every figure is "what one core of server does". Without taskset (or
 * with a single CPU) processes run unpinned and the results say so.
 */
import { spawnSync } from "node:child_process";

export interface CpuPlan {
  /** `taskset` when processes are pinned, `none` otherwise. */
  readonly pinning: "taskset" | "none";
  /** CPU list (taskset syntax) for the process being measured: server, or in-process loop. */
  readonly serverCpus: string | undefined;
  /** CPU list for the load generator. */
  readonly clientCpus: string | undefined;
  /** The CPUs this process may use, as the kernel reports them. */
  readonly allowedCpus: readonly number[];
  readonly note: string;
}

function tasksetWorks(): boolean {
  const probe = spawnSync("taskset", ["--version"], { stdio: "ignore" });
  return probe.status === 0;
}

/** The CPUs this process may run on (`taskset -cp`), or 0…n-1 from the CPU count. */
function allowedCpus(fallbackCount: number): number[] {
  const probe = spawnSync("taskset", ["-cp", String(process.pid)], { encoding: "utf8" });
  const list = probe.status === 0 ? /:\s*([0-9,-]+)\s*$/.exec(probe.stdout)?.[1] : undefined;
  if (list === undefined) return Array.from({ length: fallbackCount }, (_, i) => i);
  const cpus: number[] = [];
  for (const part of list.split(",")) {
    const [from, to] = part.split("-").map(Number);
    for (let cpu = from!; cpu <= (to ?? from!); cpu++) cpus.push(cpu);
  }
  return cpus;
}

export interface PinningOptions {
  /** `--server-cpus`: overrides the plan. */
  readonly serverCpus?: string | undefined;
  readonly clientCpus?: string | undefined;
  /** `--no-pin`. */
  readonly disabled?: boolean | undefined;
}

export function planCpus(cpuCount: number, options: PinningOptions = {}): CpuPlan {
  const none = (note: string, allowed: readonly number[]): CpuPlan => ({
    pinning: "none",
    serverCpus: undefined,
    clientCpus: undefined,
    allowedCpus: allowed,
    note,
  });
  if (options.disabled) return none("pinning disabled (--no-pin)", []);
  if (!tasksetWorks()) return none("taskset not found: processes run unpinned", []);
  const allowed = allowedCpus(cpuCount);
  if (options.serverCpus !== undefined || options.clientCpus !== undefined) {
    return {
      pinning: "taskset",
      serverCpus: options.serverCpus,
      clientCpus: options.clientCpus,
      allowedCpus: allowed,
      note: `server on CPU ${options.serverCpus ?? "any"}, client on CPU ${options.clientCpus ?? "any"} (given)`,
    };
  }
  if (allowed.length < 2) return none("only one CPU: server and client share it, unpinned", allowed);
  const server = String(allowed[0]);
  // One core for the client too: more would make figures incomparable between machines.
  const client = String(allowed[1]);
  return {
    pinning: "taskset",
    serverCpus: server,
    clientCpus: client,
    allowedCpus: allowed,
    note: `server on CPU ${server}, load generator on CPU ${client} (taskset -c)`,
  };
}

/** The command line that runs `command args…` on `cpus` (unchanged when unpinned). */
export function pinned(cpus: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined ? [command, [...args]] : ["taskset", ["-c", cpus, command, ...args]];
}
