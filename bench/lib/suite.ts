/**
 * @module bench/lib/suite
 *
 * A suite measures the figures of one area (REST, gRPC, ingest, list,
 * attestation, PostgreSQL, admission) and hands each finished
 * figure to the run. Suites get everything they share from the context: the
 * options, the CPU plan, how to run load, a scratch directory, and where to
 * put figures and set-up facts. To add one, write `bench/suites/<name>.ts`
 * exporting a {@link Suite} and list it in `bench/suites/index.ts`.
 */
import type { Figure } from "./figures.js";
import type { LoadTiming } from "./load-spec.js";
import type { LoadRunContext, LoadToolChoice } from "./load-runner.js";
import type { CpuPlan } from "./pinning.js";

export interface BenchOptions {
  /** Suite names to run, in order. */
  readonly only: readonly string[];
  /** Store sizes for the list and pg suites. */
  readonly sizes: readonly number[];
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly loadgen: LoadToolChoice;
  readonly dataDir: string;
  readonly resultsDir: string;
  /** The PostgreSQL server (without a database, or with one to connect to for CREATE DATABASE) for the pg suite. */
  readonly pgUrl: string;
  readonly keepData: boolean;
  readonly verbose: boolean;
  /** Write a CPU profile of every Scriba process and print where its time went. */
  readonly profile: boolean;
}

export interface SuiteContext {
  readonly options: BenchOptions;
  readonly cpus: CpuPlan;
  readonly load: LoadRunContext;
  /** A scratch directory for this suite (databases, specs, keys); removed after the run unless --keep-data. */
  readonly workDir: string;
  /** Warm-up and window lengths from the options. */
  readonly timing: LoadTiming;
  readonly log: (message: string) => void;
  /** A set-up fact worth quoting in the docs (seeding time, database size). */
  readonly fact: (text: string, seconds?: number) => void;
  readonly figure: (figure: Figure) => void;
  /** Node options for a Scriba process named `name`: `--cpu-prof` into its own directory with --profile, none otherwise. */
  readonly profileArgs: (name: string) => string[];
  /** After that process exited: prints where its time went (with --profile). */
  readonly reportProfile: (name: string) => void;
}

export interface Suite {
  readonly name: string;
  /** The issue whose proof asks for these figures. */
  readonly issue: number;
  readonly summary: string;
  run(context: SuiteContext): Promise<void>;
}
