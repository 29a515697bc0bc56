/**
 * @module bench/lib/pg-database
 *
 * The pg suite's scratch database: `scriba_bench_<run start>` on the server
 * `--pg-url` names, created at the start of the suite and dropped at its end
 * (kept with --keep-data), so a run never touches a database anyone uses and
 * leaves nothing behind. Scriba's stores live in schemas of it, one per
 * figure (`--postgres-schema`), each created by the store's own migrations.
 */
import pg from "pg";

/** A database name for a run started at `started`: lower-case, digits and `_` only. */
export function scratchDatabaseName(started: Date): string {
  const stamp = started.toISOString().replace(/\.\d+Z$/, "").replace(/[^0-9]/g, "");
  return `scriba_bench_${stamp}`;
}

/** `url` pointed at `database` (whatever database, if any, it named before). */
export function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(`--pg-url must be a postgres:// URL, got ${JSON.stringify(url)}`);
  }
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The database an admin connection uses: the URL's own, or `postgres`. */
function adminUrl(url: string): string {
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  return database === "" ? databaseUrl(url, "postgres") : url;
}

async function withAdmin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(url) });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  readonly name: string;
  /** The server URL pointed at the scratch database. */
  readonly url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string, name: string): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  await withAdmin(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: databaseUrl(serverUrl, name),
    drop: () => withAdmin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** What the server says it is (for the results), e.g. `PostgreSQL 15.20`. */
export async function serverVersion(url: string): Promise<string> {
  return withAdmin(url, async (client) => {
    const result = await client.query<{ server_version: string }>("SHOW server_version");
    return `PostgreSQL ${result.rows[0]?.server_version ?? "?"}`;
  });
}
