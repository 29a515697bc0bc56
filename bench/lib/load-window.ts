/**
 * @module bench/lib/load-window
 *
 * The clock of one load run, shared by the HTTP/1.1 and gRPC clients: a
 * warm-up, then a measured window whose answers are counted and timed (or, in
 * burst mode, exactly N requests, all measured). The window's opening and
 * closing are announced so the harness can sample the server's CPU at the same
 * moments.
 */
import { LatencyHistogram } from "./histogram.js";
import type { LoadTiming, LoadOutcome, LoadTool } from "./load-spec.js";
import { seededRandom } from "../../src/testing/seeded-random.js";

export interface WindowEvents {
  readonly opened?: () => void;
  readonly closed?: () => void;
}

const maxErrorSamples = 5;

export class LoadWindow {
  readonly #timing: LoadTiming;
  readonly #events: WindowEvents;
  readonly #histogram = new LatencyHistogram();
  #state: "idle" | "warmup" | "measuring" | "done" = "idle";
  #openedAt = 0;
  #closedAt = 0;
  #cpuAtOpen: NodeJS.CpuUsage | undefined;
  #clientUtilization: number | undefined;
  #issued = 0;
  #completed = 0;
  #errors = 0;
  readonly #errorSamples: string[] = [];
  #closedPromise: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  constructor(timing: LoadTiming, events: WindowEvents = {}) {
    this.#timing = timing;
    this.#events = events;
  }

  get isBurst(): boolean {
    return this.#timing.burst !== undefined;
  }

  /** Starts the clock; resolves when the measured window has closed. */
  start(): Promise<void> {
    this.#closedPromise = new Promise((resolve) => (this.#resolveClosed = resolve));
    if (this.isBurst) {
      this.#open();
    } else {
      this.#state = "warmup";
      setTimeout(() => {
        this.#open();
        setTimeout(() => this.#close(), this.#timing.durationSeconds * 1000);
      }, this.#timing.warmupSeconds * 1000);
    }
    return this.#closedPromise;
  }

  #open(): void {
    this.#state = "measuring";
    this.#openedAt = performance.now();
    this.#cpuAtOpen = process.cpuUsage();
    this.#events.opened?.();
  }

  #close(): void {
    if (this.#state === "done") return;
    this.#state = "done";
    this.#closedAt = performance.now();
    const cpu = process.cpuUsage(this.#cpuAtOpen);
    const wallMicros = (this.#closedAt - this.#openedAt) * 1000;
    this.#clientUtilization = wallMicros > 0 ? (cpu.user + cpu.system) / wallMicros : undefined;
    this.#events.closed?.();
    this.#resolveClosed?.();
  }

  /** Whether a connection may send another request now (and, in burst mode, claims it). */
  mayIssue(): boolean {
    if (this.#state === "done" || this.#state === "idle") return false;
    const burst = this.#timing.burst;
    if (burst === undefined) return true;
    if (this.#issued >= burst) return false;
    this.#issued += 1;
    return true;
  }

  /** Records one answer (or failure) to a request sent at `sentAt` (performance.now()). */
  record(sentAt: number, failure?: string): void {
    if (this.#state !== "measuring") return;
    if (sentAt < this.#openedAt) return;
    const now = performance.now();
    this.#completed += 1;
    if (failure === undefined) {
      this.#histogram.record((now - sentAt) * 1000);
    } else {
      this.#errors += 1;
      if (this.#errorSamples.length < maxErrorSamples) this.#errorSamples.push(failure);
    }
    if (this.isBurst && this.#completed >= this.#timing.burst!) this.#close();
  }

  /** A connection-level failure, counted once whatever the state. */
  fail(description: string): void {
    this.#errors += 1;
    if (this.#errorSamples.length < maxErrorSamples) this.#errorSamples.push(description);
  }

  outcome(tool: LoadTool): LoadOutcome {
    return {
      tool,
      completed: this.#completed,
      errors: this.#errors,
      errorSamples: [...this.#errorSamples],
      windowSeconds: Math.max(0, this.#closedAt - this.#openedAt) / 1000,
      histogram: this.#histogram.toData(),
      clientUtilization: this.#clientUtilization,
    };
  }
}

export { seededRandom };

/** Picks items in turn or at random (seeded per connection). */
export function picker<T>(items: readonly T[], order: "cycle" | "random", seed: number): () => T {
  if (items.length === 0) throw new Error("a load spec needs at least one request");
  if (order === "cycle") {
    let next = seed % items.length;
    return () => {
      const item = items[next]!;
      next = next + 1 === items.length ? 0 : next + 1;
      return item;
    };
  }
  const random = seededRandom(seed + 1);
  return () => items[Math.floor(random() * items.length)]!;
}
