/**
 * @module cli/__fixtures__/cli-server
 *
 * For CLI tests: a real Scriba server (memory store) on a loopback port, and
 * `scriba` run in-process against it with captured output.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../logging/logger.js";
import { type RunningScribaServer, startScribaServer } from "../../server/scriba-server.js";
import { createMemoryStore } from "../../store/memory-store.js";
import { runCli } from "../main.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class CliServer {
  private constructor(
    readonly server: RunningScribaServer,
    /** A temporary directory for the test's files. */
    readonly dir: string,
  ) {}

  static async start(): Promise<CliServer> {
    const server = await startScribaServer({
      listen: { host: "127.0.0.1", port: 0 },
      store: createMemoryStore(),
      logger: silentLogger,
    });
    return new CliServer(server, mkdtempSync(join(tmpdir(), "scriba-cli-")));
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.address.port}`;
  }

  /** Runs `scriba ARGS` against this server (SCRIBA_SERVER), with extra environment variables. */
  async run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: { SCRIBA_SERVER: this.url, ...env },
      signal: new AbortController().signal,
    });
    return { code, stdout, stderr };
  }

  /** Writes a file in the temporary directory and returns its path. */
  file(name: string, content: string | Uint8Array): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  async stop(): Promise<void> {
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A loopback URL where nothing listens: a port that was free a moment ago. */
export async function unusedLoopbackUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** A sha256 digest made of one repeated hex character, for readable tests. */
export function digestOf(hex: string): string {
  return `sha256:${hex.repeat(64)}`;
}
