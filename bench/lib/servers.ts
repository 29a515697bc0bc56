/**
 * @module bench/lib/servers
 *
 * Starts the servers a figure compares, each in its own process on the
 * server CPU: Scriba as the real `scriba serve` executable from the compiled
 * build (the same code and flags `npm start` runs), and the baselines through
 * the harness's server worker.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BaselineServerSpec } from "../workers/server.js";
import { BenchChild } from "./child-process.js";

export interface RunningServer {
  readonly name: string;
  readonly pid: number;
  /** `http://127.0.0.1:PORT` (`https://` for a TLS baseline) */
  readonly url: string;
  stop(): Promise<void>;
}

export interface RunningScriba extends RunningServer {
  /** `https://127.0.0.1:PORT` of the in-process admission webhook, when `webhook` was asked for. */
  readonly webhookUrl: string | undefined;
}

/** The compiled `scriba` entry point (`src/cli/main.js` next to the compiled harness). */
export const scribaMain = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface ScribaServeOptions {
  readonly name: string;
  /** A `--storage` value: `sqlite:PATH`, `memory`, `postgres://…`. */
  readonly storage: string;
  readonly sqliteSynchronous?: "FULL" | "NORMAL" | undefined;
  /** More `scriba serve` flags (page token key, limits). */
  readonly extraArgs?: readonly string[] | undefined;
  readonly cpus: string | undefined;
  /** Options for Node itself, e.g. from SuiteContext.profileArgs. */
  readonly nodeArgs?: readonly string[] | undefined;
  /** Wait for the admission webhook too (`extraArgs` give --policy-dir, --tls-*, --webhook-listen). */
  readonly webhook?: boolean | undefined;
}

export async function startScribaServe(options: ScribaServeOptions): Promise<RunningScriba> {
  const args = [
    ...(options.nodeArgs ?? []),
    scribaMain,
    "serve",
    "--listen",
    "127.0.0.1:0",
    "--storage",
    options.storage,
    ...(options.sqliteSynchronous ? ["--sqlite-synchronous", options.sqliteSynchronous] : []),
    ...(options.extraArgs ?? []),
  ];
  const child = BenchChild.spawn(process.execPath, args, { name: options.name, cpus: options.cpus });
  // Both waits are registered before either line can arrive.
  const serving = child.waitForLine("stderr", (l) => l["msg"] === "scriba serving", 60_000);
  const webhook = options.webhook ? child.waitForLine("stderr", (l) => l["msg"] === "admission webhook listening", 60_000) : undefined;
  try {
    const line = await serving;
    const address = line["address"] as { host: string; port: number };
    const webhookUrl = webhook === undefined ? undefined : String((await webhook)["url"]);
    return { name: options.name, pid: child.pid, url: `http://${address.host}:${address.port}`, webhookUrl, stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export interface ScribaWebhookOptions {
  readonly name: string;
  /** `scriba webhook` flags: --server or --storage, --policy-dir, --tls-*, caches, records. */
  readonly args: readonly string[];
  readonly cpus: string | undefined;
  readonly nodeArgs?: readonly string[] | undefined;
}

/** The real `scriba webhook` executable on 127.0.0.1 and a free port; `url` and `webhookUrl` are its HTTPS URL. */
export async function startScribaWebhook(options: ScribaWebhookOptions): Promise<RunningScriba> {
  const args = [...(options.nodeArgs ?? []), scribaMain, "webhook", "--listen", "127.0.0.1:0", ...options.args];
  const child = BenchChild.spawn(process.execPath, args, { name: options.name, cpus: options.cpus });
  try {
    const line = await child.waitForLine("stderr", (l) => l["msg"] === "admission webhook listening", 60_000);
    const url = String(line["url"]);
    return { name: options.name, pid: child.pid, url, webhookUrl: url, stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export async function startBaselineServer(
  name: string,
  spec: BaselineServerSpec,
  cpus: string | undefined,
  workDir: string,
): Promise<RunningServer> {
  const specFile = join(workDir, `server-${spec.kind}-${Date.now()}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  const child = BenchChild.worker("server", [specFile], { name, cpus });
  const line = await child.waitForLine("stdout", (l) => "listening" in l, 60_000);
  const address = line["listening"] as { host: string; port: number; scheme?: string };
  return { name, pid: child.pid, url: `${address.scheme ?? "http"}://${address.host}:${address.port}`, stop: () => child.stop() };
}
