/**
 * @module bench/lib/child-process
 *
 * Every measured thing runs in its own process, pinned to its CPU: servers,
 * load generators and in-process loops. Children talk in JSON lines (workers
 * on stdout, `scriba serve` in its structured log on stderr), are killed when
 * the harness exits however it exits, and keep the tail of their stderr so a
 * failure can say what went wrong.
 *
 * A stream's lines are parsed only while someone waits for or listens to
 * them: once a server has said it is listening, its log (one line per
 * admission decision, thousands a second) is only drained, as a container
 * runtime would, so the harness spends no CPU the measured server could
 * have had, and never lets the pipe fill up and block the server's writes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pinned } from "./pinning.js";

export type JsonLine = Record<string, unknown>;
type Stream = "stdout" | "stderr";

const running = new Set<ChildProcess>();
let echoEveryStderr = false;

/** `--verbose`: copy every child's stderr to ours. */
export function echoChildStderr(on: boolean): void {
  echoEveryStderr = on;
}
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Only our own children, by their process objects.
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill("SIGKILL");
      process.exit(130);
    });
  }
}

export interface SpawnOptions {
  /** A label for messages. */
  readonly name: string;
  /** taskset CPU list; unpinned when undefined. */
  readonly cpus?: string | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Copy the child's stderr to ours as it arrives. */
  readonly echoStderr?: boolean | undefined;
  /** Options for Node itself (workers only), e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[] | undefined;
}

interface Waiter {
  readonly stream: Stream;
  readonly predicate: (line: JsonLine) => boolean;
  readonly resolve: (line: JsonLine) => void;
}

export class BenchChild {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<Waiter>();
  readonly #listeners: ((line: JsonLine, stream: Stream) => void)[] = [];
  #stderrTail = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(child: ChildProcess, options: SpawnOptions) {
    this.name = options.name;
    this.#child = child;
    running.add(child);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      });
    });
    for (const stream of ["stdout", "stderr"] as const) {
      const source = child[stream];
      if (source === null) continue;
      let partial = "";
      // Decoded across chunk boundaries, as readline would.
      source.setEncoding("utf8");
      source.on("data", (text: string) => {
        if (stream === "stderr") {
          this.#stderrTail = (this.#stderrTail + text).slice(-4000);
          if (options.echoStderr ?? echoEveryStderr) process.stderr.write(text);
        }
        if (!this.#wantsLines(stream)) {
          partial = "";
          return;
        }
        const lines = (partial + text).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.#onLine(line, stream);
      });
      source.on("end", () => {
        if (partial !== "" && this.#wantsLines(stream)) this.#onLine(partial, stream);
      });
    }
  }

  static spawn(command: string, args: readonly string[], options: SpawnOptions): BenchChild {
    installExitHook();
    const [file, argv] = pinned(options.cpus, command, args);
    const child = spawn(file, argv, {
      stdio: ["ignore", "pipe", "pipe"],
      env: options.env ?? process.env,
    });
    return new BenchChild(child, options);
  }

  /** Runs a compiled harness worker (`bench/workers/<name>.js`) with Node. */
  static worker(worker: string, args: readonly string[], options: SpawnOptions): BenchChild {
    const script = fileURLToPath(new URL(`../workers/${worker}.js`, import.meta.url));
    return BenchChild.spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], options);
  }

  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`${this.name} did not start`);
    return pid;
  }

  get stderrTail(): string {
    return this.#stderrTail.trim();
  }

  #wantsLines(stream: Stream): boolean {
    if (this.#listeners.length > 0) return true;
    for (const waiter of this.#waiters) if (waiter.stream === stream) return true;
    return false;
  }

  #onLine(text: string, stream: Stream): void {
    if (!text.startsWith("{")) return;
    let line: JsonLine;
    try {
      line = JSON.parse(text) as JsonLine;
    } catch {
      return;
    }
    for (const listener of this.#listeners) listener(line, stream);
    for (const waiter of this.#waiters) {
      if (waiter.stream === stream && waiter.predicate(line)) {
        this.#waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }

  /** Called for every JSON line the child prints. */
  onLine(listener: (line: JsonLine, stream: Stream) => void): void {
    this.#listeners.push(listener);
  }

  /** The first JSON line on `stream` that matches; rejects if the child exits or time runs out first. */
  waitForLine(stream: Stream, predicate: (line: JsonLine) => boolean, timeoutMs: number): Promise<JsonLine> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${this.name}: no expected output within ${timeoutMs} ms\n${this.stderrTail}`));
      }, timeoutMs);
      const waiter: Waiter = {
        stream,
        predicate,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      this.#waiters.add(waiter);
      void this.exited.then(({ code, signal }) => {
        if (!this.#waiters.has(waiter)) return;
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code ?? signal}) early\n${this.stderrTail}`));
      });
    });
  }

  /** Waits for the child to end by itself; rejects on a non-zero exit. */
  async finished(): Promise<void> {
    const { code, signal } = await this.exited;
    if (code !== 0) throw new Error(`${this.name} failed (${code ?? signal})\n${this.stderrTail}`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill("SIGTERM");
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
