/**
 * @module logging/batched-lines
 *
 * Log lines written after the current piece of work instead of during it,
 * and many to a write when they come fast. A write to stderr is a system
 * call, and when stderr is a pipe Node makes it synchronously, so a webhook
 * logging one line per decision would pay a write in the middle of every
 * answer, and one write per answer in all.
 *
 * Here a line is only queued. The queue goes out in one write once the event
 * loop turns (`setImmediate`), so the answer leaves first; but while lines
 * keep coming, at most one write per `intervalMs` (default 10 ms), so a busy
 * webhook writes its decisions in a few large writes instead of thousands of
 * small ones. A line thus waits at most `intervalMs`; a queue past
 * `maxQueuedChars` is written at once, which bounds the memory held.
 *
 * No line is lost on a normal end: {@link BatchedLines.close} writes what is
 * queued (call it on shutdown), and so does the process's `exit` event,
 * should the process end before the queue was written.
 */

export interface BatchedLines {
  /** Queues `line` (which ends with its own newline). */
  write(line: string): void;
  /** Writes every queued line now. */
  flush(): void;
  /** Flushes, and stops watching the process's exit; later lines are written at once. */
  close(): void;
}

export interface BatchedLinesOptions {
  /** The least time between two writes while lines keep coming (default 10 ms). */
  readonly intervalMs?: number;
  /** Queued characters that are written at once (default 64 Ki). */
  readonly maxQueuedChars?: number;
}

export function batchedLines(write: (text: string) => void, options: BatchedLinesOptions = {}): BatchedLines {
  const intervalMs = options.intervalMs ?? 10;
  const maxQueuedChars = options.maxQueuedChars ?? 64 * 1024;
  let queued: string[] = [];
  let queuedChars = 0;
  let immediate: NodeJS.Immediate | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastWrite = -Infinity;
  let closed = false;
  const flush = (): void => {
    if (immediate !== undefined) clearImmediate(immediate);
    if (timer !== undefined) clearTimeout(timer);
    immediate = undefined;
    timer = undefined;
    if (queued.length === 0) return;
    const text = queued.length === 1 ? queued[0]! : queued.join("");
    queued = [];
    queuedChars = 0;
    lastWrite = performance.now();
    write(text);
  };
  process.on("exit", flush);
  return {
    write(line) {
      if (closed) {
        write(line);
        return;
      }
      queued.push(line);
      queuedChars += line.length;
      if (queuedChars >= maxQueuedChars) {
        flush();
        return;
      }
      if (immediate !== undefined || timer !== undefined) return;
      const wait = lastWrite + intervalMs - performance.now();
      if (wait <= 0) immediate = setImmediate(flush);
      // Unref'd: a process that is done does not wait for its logs; the exit event writes them.
      else timer = setTimeout(flush, wait).unref();
    },
    flush,
    close() {
      flush();
      if (closed) return;
      closed = true;
      process.off("exit", flush);
    },
  };
}
