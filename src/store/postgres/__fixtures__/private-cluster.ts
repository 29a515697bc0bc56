/**
 * @module store/postgres/__fixtures__/private-cluster
 *
 * A throw-away PostgreSQL server that a test owns outright, so it can crash
 * it (`pg_ctl stop -m immediate`, the equivalent of pulling the plug on the
 * server processes) and start it again on the same data, or configure TLS and
 * password authentication. It listens on 127.0.0.1 on a free port, keeps its
 * socket and data in a temporary directory, and is removed afterwards (and
 * stopped at process exit, should a test crash).
 *
 * The binaries (`initdb`, `pg_ctl`) are looked up in `SCRIBA_POSTGRES_BIN`,
 * then `pg_config --bindir`, then `/usr/lib/postgresql/<newest>/bin`, then
 * `PATH`. PostgreSQL refuses to run as root; as root the commands run as the
 * `postgres` OS user (`runuser`).
 */
import { execFile, spawnSync } from "node:child_process";
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, describe, test } from "node:test";
import { skipWithoutPostgres } from "./test-database.js";

const run = promisify(execFile);

export interface PrivateClusterOptions {
  /** Lines put first in pg_hba.conf (the default lets every local user in without a password). */
  readonly hba?: readonly string[];
  /** postgresql.conf settings, e.g. `{ ssl: "on" }`; values are written as given. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Files to place in the data directory before the first start (e.g. TLS keys), by name. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface PrivateCluster {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:PORT/postgres` */
  readonly url: string;
  /** A URL for another database or user on this server. */
  urlFor(options: { database?: string; user?: string; password?: string }): string;
  readonly running: boolean;
  start(): Promise<void>;
  /** Kills the server processes without a shutdown checkpoint; the next start runs crash recovery. */
  crash(): Promise<void>;
  /** Stops the server cleanly. */
  stop(): Promise<void>;
  /**
   * Freezes every server process (SIGSTOP): connections stay open but nothing
   * answers, as with a hung host or a network partition.
   */
  pause(): void;
  /** Lets frozen server processes run again (SIGCONT). */
  resume(): void;
  /** Stops the server (if running) and deletes its files. */
  destroy(): Promise<void>;
  /** The server log so far, for failure messages. */
  log(): string;
}

/** The directory holding initdb and pg_ctl, or undefined when there is none. */
export function postgresBinaries(): string | undefined {
  const candidates: string[] = [];
  const fromEnv = process.env.SCRIBA_POSTGRES_BIN;
  if (fromEnv !== undefined && fromEnv !== "") candidates.push(fromEnv);
  const pgConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  try {
    const versions = readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // No Debian-style installation.
  }
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir !== "") candidates.push(dir);
  return candidates.find((dir) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl")));
}

const asRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

/** The command line that runs `binary` as a user PostgreSQL accepts. */
function commandFor(binary: string, args: readonly string[]): [string, string[]] {
  return asRoot() ? ["runuser", ["-u", "postgres", "--", binary, ...args]] : [binary, [...args]];
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (!asRoot()) return undefined;
  const result = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const group = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (result.status !== 0 || group.status !== 0) {
    throw new Error("running as root, but there is no postgres OS user to run PostgreSQL as");
  }
  return { uid: Number(result.stdout.trim()), gid: Number(group.stdout.trim()) };
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** The postmaster (first line of postmaster.pid) and its children. */
function serverPids(data: string): number[] {
  let postmaster: number;
  try {
    postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return [];
  }
  const children = spawnSync("pgrep", ["-P", String(postmaster)], { encoding: "utf8" });
  const pids = children.stdout.split("\n").filter((line) => line.trim() !== "").map(Number);
  return [postmaster, ...pids];
}

/** Signals every server process; one that exited meanwhile (a finished backend) is no error. */
function signalServer(data: string, signal: NodeJS.Signals): void {
  for (const pid of serverPids(data)) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
  }
}

/** Creates (initdb) and starts a private cluster. */
export async function startPrivateCluster(options: PrivateClusterOptions = {}): Promise<PrivateCluster> {
  const bin = postgresBinaries();
  if (bin === undefined) throw new Error("PostgreSQL server binaries (initdb, pg_ctl) not found; set SCRIBA_POSTGRES_BIN");
  const ids = postgresIds();
  const home = mkdtempSync(join(tmpdir(), "scriba-pg-"));
  if (ids !== undefined) chownSync(home, ids.uid, ids.gid);
  const data = join(home, "data");
  const logFile = join(home, "server.log");
  const port = await freePort();
  const exec = async (binary: string, args: readonly string[], timeout = 60_000) => {
    const [command, argv] = commandFor(join(bin, binary), args);
    await run(command, argv, { timeout });
  };

  await exec("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--no-locale"]);
  const settings: Record<string, string> = {
    port: String(port),
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${home}'`,
    max_connections: "40",
    shared_buffers: "16MB",
    fsync: "on",
    ...options.settings,
  };
  appendFileSync(join(data, "postgresql.conf"), Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`).join(""));
  if (options.hba !== undefined) {
    const hbaFile = join(data, "pg_hba.conf");
    writeFileSync(hbaFile, `${options.hba.join("\n")}\n${readFileSync(hbaFile, "utf8")}`);
  }
  for (const [name, content] of Object.entries(options.files ?? {})) {
    const path = join(data, name);
    writeFileSync(path, content, { mode: 0o600 });
    if (ids !== undefined) chownSync(path, ids.uid, ids.gid);
  }

  let running = false;
  const stopAtExit = () => {
    if (!running) return;
    signalServer(data, "SIGCONT");
    spawnSync(...commandFor(join(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w"]));
  };
  process.once("exit", stopAtExit);

  const cluster: PrivateCluster = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    urlFor: ({ database = "postgres", user = "postgres", password }) => {
      const credentials = password === undefined ? user : `${user}:${encodeURIComponent(password)}`;
      return `postgres://${credentials}@127.0.0.1:${port}/${database}`;
    },
    get running() {
      return running;
    },
    start: async () => {
      try {
        await exec("pg_ctl", ["start", "-D", data, "-l", logFile, "-w", "-t", "60"], 90_000);
      } catch (error) {
        throw new Error(`the private PostgreSQL did not start: ${cluster.log()}`, { cause: error });
      }
      running = true;
    },
    crash: async () => {
      await exec("pg_ctl", ["stop", "-D", data, "-m", "immediate", "-w"]);
      running = false;
    },
    stop: async () => {
      await exec("pg_ctl", ["stop", "-D", data, "-m", "fast", "-w"]);
      running = false;
    },
    pause: () => signalServer(data, "SIGSTOP"),
    resume: () => signalServer(data, "SIGCONT"),
    destroy: async () => {
      try {
        if (running) {
          cluster.resume();
          await cluster.crash();
        }
      } finally {
        process.removeListener("exit", stopAtExit);
        rmSync(home, { recursive: true, force: true });
      }
    },
    log: () => {
      try {
        return readFileSync(logFile, "utf8");
      } catch {
        return "(no server log)";
      }
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/**
 * A suite that needs its own PostgreSQL server: `body` gets a started cluster
 * (destroyed when the suite ends), or the suite holds one test that skips with
 * a notice when the server binaries are missing (fails, when
 * SCRIBA_REQUIRE_POSTGRES=1).
 */
export function describeWithPrivateCluster(
  name: string,
  options: PrivateClusterOptions,
  body: (cluster: PrivateCluster) => void,
): void {
  describe(name, async () => {
    const bin = postgresBinaries();
    if (bin === undefined) {
      const who = userInfo().username;
      test("PostgreSQL server binaries are available", (t) =>
        skipWithoutPostgres(t, `PostgreSQL server binaries (initdb, pg_ctl) not found for ${who}: set SCRIBA_POSTGRES_BIN`),
      );
      return;
    }
    const cluster = await startPrivateCluster(options);
    after(() => cluster.destroy());
    body(cluster);
  });
}
