/**
 * @module test/support/scriba-process
 *
 * Runs the `scriba` executable as a child process, from the TypeScript
 * sources (`node --import tsx src/cli/main.ts`) so a test never exercises a
 * stale build. Every wait is bounded, and the child never inherits SCRIBA_*
 * variables from the environment the tests run in.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const repositoryRoot = fileURLToPath(new URL("../../", import.meta.url));

const entryPoint = "src/cli/main.ts";

/** The parent environment without SCRIBA_* settings, plus `extra`. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("SCRIBA_")) env[key] = value;
  }
  return { ...env, ...extra };
}

function spawnScriba(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", entryPoint, ...args], {
    cwd: repositoryRoot,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export interface ScribaRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** Runs `scriba ARGS` to completion (killed and failed after `timeoutMs`). */
export function runScriba(args: readonly string[], options: RunOptions = {}): Promise<ScribaRun> {
  const child = spawnScriba(args, options.env ?? {});
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr!.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`scriba ${args.join(" ")} did not finish in time; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** One log line the server wrote on stderr. */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

const servingLine = /^scriba serving on (\S+):(\d+)(?: \(TLS\))?$/m;

/** A running `scriba serve`. */
export class ScribaServeProcess {
  #stdout = "";
  #stderr = "";
  readonly #exited: Promise<ScribaRun>;

  private constructor(
    private readonly child: ChildProcess,
    readonly args: readonly string[],
  ) {
    child.stdout!.setEncoding("utf8").on("data", (t: string) => (this.#stdout += t));
    child.stderr!.setEncoding("utf8").on("data", (t: string) => (this.#stderr += t));
    this.#exited = new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, stdout: this.#stdout, stderr: this.#stderr }));
    });
  }

  /** Starts `scriba serve ARGS` and waits until it prints the address it serves on. */
  static async start(args: readonly string[], options: RunOptions = {}): Promise<ScribaServeProcess> {
    const serve = new ScribaServeProcess(spawnScriba(["serve", ...args], options.env ?? {}), args);
    try {
      await serve.#waitUntilServing(options.timeoutMs ?? 30_000);
    } catch (error) {
      await serve.kill();
      throw error;
    }
    return serve;
  }

  #address: { host: string; port: number } | undefined;

  async #waitUntilServing(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: ScribaRun | undefined;
    void this.#exited.then((run) => (exited = run));
    while (Date.now() < deadline) {
      const match = servingLine.exec(this.#stdout);
      if (match) {
        this.#address = { host: match[1]!, port: Number(match[2]) };
        return;
      }
      if (exited !== undefined) {
        throw new Error(`scriba serve exited with ${exited.code ?? exited.signal} before serving; stderr: ${exited.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`scriba serve did not start within ${timeoutMs} ms; stderr: ${this.#stderr}`);
  }

  get host(): string {
    return this.#address!.host;
  }

  get port(): number {
    return this.#address!.port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get stdout(): string {
    return this.#stdout;
  }

  /** Whether the process is still running: it has neither exited nor been killed. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The structured log lines written so far. */
  get logLines(): LogLine[] {
    return this.#stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
  }

  /** Sends `signal` and waits (bounded) for the process to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<ScribaRun> {
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`scriba serve did not exit within ${timeoutMs} ms of ${signal}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.#exited, timeout]);
    } catch (error) {
      await this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process outright (cleanup after a failed test); resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.#exited.catch(() => undefined);
  }
}
