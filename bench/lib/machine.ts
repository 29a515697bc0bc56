/**
 * @module bench/lib/machine
 *
 * The machine a run happened on, recorded with every result: figures from a
 * shared 2-core VM are only comparable with figures from the same kind of
 * machine, and only ratios travel.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, release, totalmem } from "node:os";
import Database from "better-sqlite3";
import type { CpuPlan } from "./pinning.js";

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly sqlite: string;
  readonly wrk: string | undefined;
  readonly pinning: string;
}

function cpuModel(): string {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

function sqliteVersion(): string {
  const db = new Database(":memory:");
  try {
    return (db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  } finally {
    db.close();
  }
}

export function describeMachine(cpus: CpuPlan, wrkVersion: string | undefined): MachineInfo {
  return {
    cpus: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    sqlite: sqliteVersion(),
    wrk: wrkVersion,
    pinning: cpus.note,
  };
}
