/**
 * @module bench/lib/figures
 *
 * A figure is one comparison: Scriba beside its baseline, measured in the same
 * run in alternating rounds (baseline, Scriba, baseline, Scriba, …) so that a
 * machine that speeds up or slows down over the run moves both alike. The
 * ratio is the median of the per-round ratios (each pair measured minutes
 * apart at most), and the verdict compares it, or Scriba's p99, with the
 * issue's target.
 */
import { availableParallelism, loadavg } from "node:os";
import type { Measurement } from "./load-runner.js";
import { spreadOf, type Spread } from "./stats.js";

export type Target =
  /** Scriba's rate must be at least `value` × the baseline's. */
  | { readonly kind: "min-ratio"; readonly value: number }
  /** Scriba's rate may be at most `value` (a fraction) below the baseline's. */
  | { readonly kind: "max-overhead"; readonly value: number }
  /** Scriba's p99 latency must be at most `value` milliseconds. */
  | { readonly kind: "max-p99-ms"; readonly value: number }
  /** A count taken in every Scriba round (e.g. verifications that ran) must be at most `value` in each. */
  | { readonly kind: "max-count"; readonly value: number; readonly what: string };

export type Verdict = "met" | "missed" | "no target" | "invalid";

export interface FigureDefinition {
  /** Stable id, e.g. `rest.get`. */
  readonly id: string;
  readonly suite: string;
  /** The issue whose proof asks for this figure. */
  readonly issue: number;
  readonly title: string;
  /** What the rate counts: `req/s`, `rows/s`, `verifications/s`, `queries/s`. */
  readonly unit: string;
  /** `throughput`: compare rates; `latency`: the figure is Scriba's p50/p99. */
  readonly metric: "throughput" | "latency";
  readonly oursLabel: string;
  readonly baselineLabel: string;
  readonly target?: Target | undefined;
  /** Load shape and anything else a reader needs to repeat the figure. */
  readonly setup: string;
  /**
   * False when the two sides' CPU per operation says nothing about the
   * target (1 replica against 2: the same work spread over more processes);
   * the CPU ratio is then printed but not judged.
   */
  readonly cpuJudged?: boolean | undefined;
}

export interface SideResult {
  readonly label: string;
  readonly tool: string;
  readonly rounds: readonly Measurement[];
  readonly rate: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  readonly cpuMicrosPerOp: number | undefined;
  readonly utilization: number | undefined;
  readonly clientUtilization: number | undefined;
  readonly errors: number;
}

export interface Figure extends FigureDefinition {
  readonly ours: SideResult;
  readonly baseline: SideResult;
  /** Per-round ours/baseline rate ratios. */
  readonly ratio: Spread;
  /**
   * Baseline CPU per operation ÷ Scriba's (medians): the rate ratio two
   * saturated, unshared cores would show. On a shared machine it is steadier
   * than the rate ratio, which also moves with whoever else gets the CPU.
   */
  readonly cpuRatio: number | undefined;
  readonly verdict: Verdict;
  /** The same verdict judged by {@link cpuRatio} (throughput targets only). */
  readonly cpuVerdict: Verdict;
  /** For a `max-count` target: the count taken in each Scriba round. */
  readonly counts?: readonly number[] | undefined;
  /** 1-minute load average when the figure's rounds started and ended (other work on the machine). */
  readonly loadAverage: readonly [number, number] | undefined;
  readonly notes: readonly string[];
}

function optionalMedian(values: readonly (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return known.length === 0 ? undefined : spreadOf(known).median;
}

function side(label: string, rounds: readonly Measurement[]): SideResult {
  return {
    label,
    tool: [...new Set(rounds.map((r) => r.tool))].join("+"),
    rounds,
    rate: spreadOf(rounds.map((r) => r.rate)),
    p50Ms: spreadOf(rounds.map((r) => r.latency.p50Ms)),
    p99Ms: spreadOf(rounds.map((r) => r.latency.p99Ms)),
    cpuMicrosPerOp: optionalMedian(rounds.map((r) => r.cpuMicrosPerOp)),
    utilization: optionalMedian(rounds.map((r) => r.utilization)),
    clientUtilization: optionalMedian(rounds.map((r) => r.clientUtilization)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

function verdictOf(target: Target | undefined, ratio: number, oursP99Ms: number, counts: readonly number[] | undefined): Verdict {
  if (target === undefined) return "no target";
  switch (target.kind) {
    case "min-ratio":
      return ratio >= target.value ? "met" : "missed";
    case "max-overhead":
      return 1 - ratio <= target.value ? "met" : "missed";
    case "max-p99-ms":
      return oursP99Ms <= target.value ? "met" : "missed";
    case "max-count":
      if (counts === undefined || counts.length === 0) return "invalid";
      return Math.max(...counts) <= target.value ? "met" : "missed";
  }
}

export function describeTarget(target: Target | undefined, baselineLabel: string): string {
  if (target === undefined) return "–";
  switch (target.kind) {
    case "min-ratio":
      return `≥ ${Math.round(target.value * 100)}% of ${baselineLabel}`;
    case "max-overhead":
      return `overhead ≤ ${Math.round(target.value * 100)}%`;
    case "max-p99-ms":
      return `p99 ≤ ${target.value} ms`;
    case "max-count":
      return `≤ ${target.value} ${target.what}`;
  }
}

export interface Rounds {
  readonly baseline: readonly Measurement[];
  readonly ours: readonly Measurement[];
  readonly loadAverage?: readonly [number, number] | undefined;
  /** For a `max-count` target: the count taken in each Scriba round. */
  readonly counts?: readonly number[] | undefined;
}

export function makeFigure(definition: FigureDefinition, rounds: Rounds, extraNotes: readonly string[] = []): Figure {
  const ours = side(definition.oursLabel, rounds.ours);
  const baseline = side(definition.baselineLabel, rounds.baseline);
  const ratios = rounds.ours.map((r, i) => r.rate / (rounds.baseline[i]?.rate ?? Number.NaN));
  const ratio = spreadOf(ratios);
  const cpuRatio =
    ours.cpuMicrosPerOp !== undefined && baseline.cpuMicrosPerOp !== undefined
      ? baseline.cpuMicrosPerOp / ours.cpuMicrosPerOp
      : undefined;
  const notes = [...extraNotes];
  let verdict = verdictOf(definition.target, ratio.median, ours.p99Ms.median, rounds.counts);
  let cpuVerdict =
    definition.metric === "throughput" && cpuRatio !== undefined && definition.cpuJudged !== false
      ? verdictOf(definition.target, cpuRatio, ours.p99Ms.median, rounds.counts)
      : verdict;
  if (definition.target?.kind === "max-count") notes.push(`${definition.target.what} in each round: ${(rounds.counts ?? []).join(", ") || "not counted"}`);
  if (ours.errors > 0 || baseline.errors > 0) {
    verdict = "invalid";
    cpuVerdict = "invalid";
    const samples = [...rounds.ours, ...rounds.baseline].flatMap((r) => r.errorSamples).slice(0, 3);
    notes.push(`errors during measurement (ours ${ours.errors}, baseline ${baseline.errors}): ${samples.join("; ")}`);
  }
  const busy = (s: SideResult) => s.utilization === undefined || s.utilization >= 0.9;
  if (definition.metric === "throughput" && (!busy(ours) || !busy(baseline))) {
    notes.push(
      `a measured process used less than its whole core (Scriba ${pct(ours.utilization)}, baseline ${pct(baseline.utilization)}): ` +
        "other processes had the CPU, or the client or the disk set the pace; see the CPU ratio",
    );
  }
  const busiest = rounds.loadAverage === undefined ? 0 : Math.max(...rounds.loadAverage);
  // The run itself keeps about two processes busy (server and client); more means other work.
  if (busiest > availableParallelism() + 1) {
    notes.push(
      `other work shared the machine (load average up to ${busiest.toFixed(1)} on ${availableParallelism()} CPUs): ` +
        "latency percentiles include waiting for a CPU, and rates are lower than on an idle machine",
    );
  }
  return { ...definition, ours, baseline, ratio, cpuRatio, verdict, cpuVerdict, loadAverage: rounds.loadAverage, counts: rounds.counts, notes };
}

function pct(value: number | undefined): string {
  return value === undefined ? "?" : `${Math.round(value * 100)}%`;
}

/**
 * Runs `rounds` pairs, baseline first in each, and returns both series. Each
 * call measures one side once (warm-up included).
 */
export async function alternate(
  rounds: number,
  baseline: (round: number) => Promise<Measurement>,
  ours: (round: number) => Promise<Measurement>,
  log: (message: string) => void,
): Promise<Rounds> {
  const before = loadavg()[0]!;
  const result = { baseline: [] as Measurement[], ours: [] as Measurement[] };
  for (let round = 1; round <= rounds; round++) {
    const b = await baseline(round);
    result.baseline.push(b);
    const o = await ours(round);
    result.ours.push(o);
    log(`    round ${round}/${rounds}: baseline ${describe(b)} | scriba ${describe(o)}`);
  }
  return { ...result, loadAverage: [before, loadavg()[0]!] };
}

function describe(m: Measurement): string {
  const cpu = m.cpuMicrosPerOp === undefined ? "" : `, ${m.cpuMicrosPerOp.toFixed(0)} µs CPU/op`;
  const busy = m.utilization === undefined ? "" : `, core ${Math.round(m.utilization * 100)}%`;
  const client = m.clientUtilization === undefined ? "" : `, client core ${Math.round(m.clientUtilization * 100)}%`;
  const errors = m.errors > 0 ? `, ${m.errors} ERRORS` : "";
  return `${m.rate.toFixed(0)}/s p50 ${m.latency.p50Ms.toFixed(3)} ms p99 ${m.latency.p99Ms.toFixed(3)} ms${cpu}${busy}${client}${errors}`;
}
