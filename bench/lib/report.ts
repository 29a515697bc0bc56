/**
 * @module bench/lib/report
 *
 * What a run prints and writes: a console table, the markdown rows that go
 * into docs/benchmarks.md as they are, and the full results as JSON
 * (every round of every side, the machine, the options) for anyone who wants
 * to check a figure or compare two runs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeTarget, type Figure, type SideResult } from "./figures.js";
import type { MachineInfo } from "./machine.js";
import { formatMs, formatPercent, formatRate } from "./stats.js";

export interface RunResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly wallSeconds: number;
  readonly command: string;
  readonly machine: MachineInfo;
  readonly options: Record<string, unknown>;
  /** Set-up facts worth quoting (seeding times, store sizes). */
  readonly facts: readonly { readonly suite: string; readonly text: string; readonly seconds?: number }[];
  readonly figures: readonly Figure[];
}

function rateCell(s: SideResult, unit: string): string {
  return `${formatRate(s.rate.median)} ${unit}`;
}

function latencyCell(s: SideResult): string {
  return `p50 ${formatMs(s.p50Ms.median)} / p99 ${formatMs(s.p99Ms.median)} ms`;
}

function micros(value: number | undefined): string {
  return value === undefined ? "?" : `${value.toFixed(value < 10 ? 1 : 0)} µs`;
}

function ratioCell(f: Figure): string {
  if (f.metric === "latency") return `p99 ${(f.ours.p99Ms.median / f.baseline.p99Ms.median).toFixed(1)}×`;
  return `${formatPercent(f.ratio.median)} (${formatPercent(f.ratio.min)}–${formatPercent(f.ratio.max)})`;
}

function verdictCell(f: Figure): string {
  if (f.metric === "latency" || f.cpuVerdict === f.verdict) return f.verdict;
  return `${f.verdict} (by CPU: ${f.cpuVerdict})`;
}

function toolCell(f: Figure): string {
  return f.ours.tool === f.baseline.tool ? f.ours.tool : `${f.ours.tool} / ${f.baseline.tool}`;
}

function sideCell(f: Figure, s: SideResult): string {
  return f.metric === "latency"
    ? `${latencyCell(s)} (${formatRate(s.rate.median)} ${f.unit})`
    : `${rateCell(s, f.unit)} (p99 ${formatMs(s.p99Ms.median)} ms)`;
}

/** The markdown table of a set of figures, exactly as docs/benchmarks.md holds it. */
export function markdownTable(figures: readonly Figure[]): string {
  const header = [
    "| Figure | Scriba | Baseline | Scriba ÷ baseline, rate (min–max) | CPU per op, Scriba / baseline (ratio) | Target | Verdict | Load |",
    "|---|---|---|---|---|---|---|---|",
  ];
  const rows = figures.map((f) => {
    const cells = [
      `\`${f.id}\` ${f.title}: ${f.oursLabel} vs ${f.baselineLabel}`,
      sideCell(f, f.ours),
      sideCell(f, f.baseline),
      ratioCell(f),
      `${micros(f.ours.cpuMicrosPerOp)} / ${micros(f.baseline.cpuMicrosPerOp)} (${formatPercent(f.cpuRatio ?? Number.NaN)})`,
      describeTarget(f.target, f.baselineLabel),
      verdictCell(f),
      `${toolCell(f)}, load avg ${f.loadAverage ? f.loadAverage.map((l) => l.toFixed(1)).join("→") : "?"}`,
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return [...header, ...rows].join("\n");
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** A compact console table. */
export function consoleTable(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.id,
    f.metric === "latency" ? latencyCell(f.ours) : rateCell(f.ours, f.unit),
    f.metric === "latency" ? latencyCell(f.baseline) : rateCell(f.baseline, f.unit),
    ratioCell(f),
    formatPercent(f.cpuRatio ?? Number.NaN),
    describeTarget(f.target, "baseline"),
    verdictCell(f),
  ]);
  const header = ["figure", "scriba", "baseline", "rate ratio", "cpu ratio", "target", "verdict"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Writes `<dir>/<timestamp>.json` and `<dir>/latest.json`; returns the first path. */
export function writeResults(dir: string, results: RunResults): string {
  mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, "-");
  const path = join(dir, `${stamp}.json`);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(path, text);
  writeFileSync(join(dir, "latest.json"), text);
  return path;
}
