/**
 * @module admission/records/record-queue
 *
 * Writes records (audit and deployment occurrences) to the metadata server
 * in the background, so that recording a decision can never slow or fail the
 * decision itself:
 *
 * - {@link RecordQueue.enqueue} only appends to an in-memory queue and
 *   returns at once; the admission response does not wait for any write.
 *   Writes start on a later turn of the event loop (`setImmediate`), so that
 *   building and sending a record's request never runs between a decision
 *   and its answer.
 * - The queue is bounded (`capacity`, default 10 000 records). When it is
 *   full — the metadata server is down or slower than the admissions — new
 *   records are **dropped**, counted in
 *   `scriba_admission_records_total{result="dropped-queue-full"}`, and
 *   logged (the first drop at once, then one summary line at most every
 *   `logIntervalMs`), rather than holding memory without bound.
 * - A few writers (`concurrency`, default 4) drain the queue; each write has
 *   a deadline (`timeoutMs`, default 5 s). A write that fails is dropped,
 *   counted (`dropped-write-failed`) and logged the same way: decisions are
 *   also in the structured log, which is the record of last resort.
 * - {@link RecordQueue.close} stops taking records and waits (bounded) for
 *   the ones in flight, for a graceful shutdown; {@link RecordQueue.idle}
 *   resolves once everything enqueued has been written or dropped.
 */
import { ScribaError } from "../../errors.js";
import type { Logger } from "../../logging/logger.js";
import { silentLogger } from "../../logging/logger.js";
import type { AdmissionMetrics } from "../admission-metrics.js";

export type RecordType = "audit" | "deployment";

export interface RecordTask {
  readonly type: RecordType;
  /** For logs: `audit record of Pod shop/web (deny)`. */
  readonly description: string;
  /** Performs the write; must honour `signal`. */
  write(signal: AbortSignal): Promise<void>;
}

export interface RecordQueueOptions {
  readonly capacity?: number;
  readonly concurrency?: number;
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  readonly metrics?: AdmissionMetrics | undefined;
  /** The shortest interval between two "records dropped" log lines (default 30 000 ms). */
  readonly logIntervalMs?: number;
}

export interface RecordQueueStats {
  readonly queued: number;
  readonly inFlight: number;
  readonly written: number;
  readonly droppedQueueFull: number;
  readonly droppedWriteFailed: number;
}

export class RecordQueue {
  readonly #tasks: RecordTask[] = [];
  readonly #capacity: number;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #metrics: AdmissionMetrics | undefined;
  readonly #logIntervalMs: number;
  readonly #idleWaiters: (() => void)[] = [];
  #inFlight = 0;
  #pumpScheduled = false;
  #written = 0;
  #droppedQueueFull = 0;
  #droppedWriteFailed = 0;
  #closed = false;
  #lastDropLog = -Infinity;
  #unloggedDrops = 0;

  constructor(options: RecordQueueOptions = {}) {
    this.#capacity = options.capacity ?? 10_000;
    this.#concurrency = options.concurrency ?? 4;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#log = (options.logger ?? silentLogger).child({ component: "admission-records" });
    this.#metrics = options.metrics;
    this.#logIntervalMs = options.logIntervalMs ?? 30_000;
  }

  /** Queues a write; false when it was dropped (queue full, or closed). Never blocks, never throws. */
  enqueue(task: RecordTask): boolean {
    if (this.#closed || this.#tasks.length >= this.#capacity) {
      this.#droppedQueueFull += 1;
      this.#metrics?.records.inc({ type: task.type, result: "dropped-queue-full" });
      this.#noteDrop(this.#closed ? "the record queue is closed" : `the record queue is full (${this.#capacity} records)`, task, undefined);
      return false;
    }
    this.#tasks.push(task);
    this.#updateDepth();
    this.#schedulePump();
    return true;
  }

  /** Resolves once nothing is queued or in flight. */
  idle(): Promise<void> {
    if (this.#tasks.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops accepting records and waits up to `timeoutMs` for the queued ones; the rest are dropped. */
  async close(timeoutMs = 5000): Promise<void> {
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    const left = this.#tasks.splice(0);
    for (const task of left) {
      this.#droppedQueueFull += 1;
      this.#metrics?.records.inc({ type: task.type, result: "dropped-queue-full" });
    }
    if (left.length > 0) this.#log.warn("records not written before shutdown", { dropped: left.length });
    this.#updateDepth();
  }

  get depth(): number {
    return this.#tasks.length;
  }

  stats(): RecordQueueStats {
    return {
      queued: this.#tasks.length,
      inFlight: this.#inFlight,
      written: this.#written,
      droppedQueueFull: this.#droppedQueueFull,
      droppedWriteFailed: this.#droppedWriteFailed,
    };
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#concurrency && this.#tasks.length > 0) {
      const task = this.#tasks.shift()!;
      this.#updateDepth();
      this.#inFlight += 1;
      void this.#run(task).finally(() => {
        this.#inFlight -= 1;
        this.#pump();
        if (this.#tasks.length === 0 && this.#inFlight === 0) {
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  async #run(task: RecordTask): Promise<void> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    // The write is raced against its deadline, so a writer that ignores the signal cannot hold a slot.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ScribaError("DEADLINE_EXCEEDED", `no answer within ${this.#timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, this.#timeoutMs);
    });
    deadline.catch(() => undefined);
    try {
      await Promise.race([task.write(controller.signal), deadline]);
      this.#written += 1;
      this.#metrics?.records.inc({ type: task.type, result: "written" });
    } catch (error) {
      this.#droppedWriteFailed += 1;
      this.#metrics?.records.inc({ type: task.type, result: "dropped-write-failed" });
      this.#noteDrop("writing the record failed", task, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs a drop now, or folds it into the next summary line (see the module comment). */
  #noteDrop(why: string, task: RecordTask, error: unknown): void {
    const now = Date.now();
    if (now - this.#lastDropLog < this.#logIntervalMs) {
      this.#unloggedDrops += 1;
      return;
    }
    this.#lastDropLog = now;
    const reason = error instanceof ScribaError ? error.message : error === undefined ? undefined : "internal error";
    this.#log.warn("admission record dropped; the decision log still has it", {
      why,
      record: task.description,
      reason,
      droppedSinceLastLine: this.#unloggedDrops,
      droppedQueueFull: this.#droppedQueueFull,
      droppedWriteFailed: this.#droppedWriteFailed,
    });
    this.#unloggedDrops = 0;
  }

  #updateDepth(): void {
    this.#metrics?.recordQueueDepth.set(undefined, this.#tasks.length);
  }
}
