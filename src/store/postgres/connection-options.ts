/**
 * @module store/postgres/connection-options
 *
 * What a PostgreSQL store is told (`PostgresStoreOptions`), checked and turned
 * into the connection settings of a `pg` pool.
 *
 * - The target is a URL, `postgres://USER@HOST:5432/DB?sslmode=verify-full`.
 *   Only the parameters Scriba acts on are accepted (`sslmode`, `sslrootcert`,
 *   `application_name`); anything else is refused rather than ignored, so a
 *   misspelt `sslmode` cannot quietly turn TLS off.
 * - The password comes from exactly one place: the URL, a password file (a
 *   mounted Secret, read again for every new connection so that a rotated
 *   password needs no restart), or `PGPASSWORD`. It never appears in
 *   `describePostgresTarget`, which is what logs and errors show.
 * - TLS follows libpq's `sslmode`: `disable`, `require` (encrypted, server not
 *   verified), `verify-ca` (the certificate chains to the CA) and
 *   `verify-full` (and names the host). `prefer` and `allow` are refused: a
 *   server that silently falls back to plain text is not what anyone asked for.
 * - Every wait is bounded: connecting and waiting for a free pooled
 *   connection (`connectionTimeoutMs`), each statement (`statementTimeoutMs`,
 *   enforced by the server, with a client-side backstop for a server that
 *   stops answering altogether), and a transaction left idle by a stalled
 *   replica (it would otherwise hold its row locks).
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import type { PoolConfig } from "pg";
import { invalidArgument } from "../../errors.js";
import type { Logger } from "../../logging/logger.js";

export const sslModes = ["disable", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof sslModes)[number];

export interface PostgresStoreOptions {
  /**
   * `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`, optionally with `sslmode`,
   * `sslrootcert` (a CA file) and `application_name` parameters.
   */
  readonly url: string;
  /** A file holding the password (trailing newline ignored); read for every new connection. */
  readonly passwordFile?: string | undefined;
  /** Connections per process (per replica). Default 10. */
  readonly poolSize?: number | undefined;
  /** The longest a statement may run on the server before it is cancelled. Default 10 000 ms. */
  readonly statementTimeoutMs?: number | undefined;
  /** The longest a request waits to connect, or for a free pooled connection. Default 5 000 ms. */
  readonly connectionTimeoutMs?: number | undefined;
  /** The longest `ping()` (readiness) waits. Default 2 000 ms. */
  readonly pingTimeoutMs?: number | undefined;
  /** The longest start-up waits for the migration lock and runs migrations. Default 300 000 ms. */
  readonly migrationTimeoutMs?: number | undefined;
  /** Overrides the URL's `sslmode`. Default `disable` when neither gives one. */
  readonly sslMode?: SslMode | undefined;
  /** A PEM file of CA certificates for `verify-ca`/`verify-full`; overrides the URL's `sslrootcert`. */
  readonly caFile?: string | undefined;
  /** The schema holding Scriba's tables; created if missing. Default `public`. */
  readonly schema?: string | undefined;
  /** Shown in `pg_stat_activity`. Default `scriba`. */
  readonly applicationName?: string | undefined;
  /** Where migrations and dropped connections are reported. Default: silent. */
  readonly logger?: Logger | undefined;
  /** Where `PGPASSWORD` is read from. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

export const defaultPoolSize = 10;
export const defaultStatementTimeoutMs = 10_000;
export const defaultConnectionTimeoutMs = 5_000;
export const defaultPingTimeoutMs = 2_000;
export const defaultMigrationTimeoutMs = 300_000;
export const defaultSchema = "public";

/** Lower-case SQL identifiers only, so the name means the same quoted or not. */
const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;
const urlParameters = ["sslmode", "sslrootcert", "application_name"] as const;

export type PasswordSource = "url" | "file" | "PGPASSWORD" | "none";

/** The options after checking, with every default filled in. */
export interface ResolvedConnection {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string | undefined;
  readonly passwordSource: PasswordSource;
  /** Kept out of enumeration so that logging this object cannot print it. */
  readonly password: string | (() => string) | undefined;
  readonly sslMode: SslMode;
  readonly caFile: string | undefined;
  readonly schema: string;
  readonly applicationName: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly connectionTimeoutMs: number;
  readonly pingTimeoutMs: number;
  readonly migrationTimeoutMs: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw invalidArgument(`PostgreSQL ${name} must be a positive whole number, got ${String(value)}`);
  }
  return value;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidArgument("the PostgreSQL URL is malformed; expected postgres://USER@HOST:5432/DB");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw invalidArgument("the PostgreSQL URL must start with postgres:// or postgresql://");
  }
  return url;
}

function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalidArgument(`the PostgreSQL URL has a malformed ${what}`);
  }
}

/** One setting given in the URL and in an option must agree. */
function either<T extends string>(what: string, fromOption: T | undefined, fromUrl: T | undefined): T | undefined {
  if (fromOption !== undefined && fromUrl !== undefined && fromOption !== fromUrl) {
    throw invalidArgument(`PostgreSQL ${what} is given twice with different values (URL and option)`);
  }
  return fromOption ?? fromUrl;
}

function checkSslMode(value: string): SslMode {
  if ((sslModes as readonly string[]).includes(value)) return value as SslMode;
  if (value === "prefer" || value === "allow") {
    throw invalidArgument(
      `PostgreSQL sslmode=${value} is not supported (it may fall back to plain text); use ${sslModes.join(", ")}`,
    );
  }
  throw invalidArgument(`PostgreSQL sslmode must be one of ${sslModes.join(", ")}, got ${JSON.stringify(value)}`);
}

function readPasswordFile(path: string): string {
  try {
    return readFileSync(path, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw invalidArgument(`cannot read the PostgreSQL password file ${JSON.stringify(path)}: ${code}`);
  }
}

/**
 * Checks the options and fills in the defaults; throws INVALID_ARGUMENT naming
 * the problem. `checkFiles` also makes sure the password file can be read now.
 */
export function resolveConnection(options: PostgresStoreOptions, checkFiles = true): ResolvedConnection {
  const url = parseUrl(options.url);
  for (const key of url.searchParams.keys()) {
    if (!(urlParameters as readonly string[]).includes(key)) {
      throw invalidArgument(
        `unsupported PostgreSQL URL parameter ${JSON.stringify(key)}; supported: ${urlParameters.join(", ")}`,
      );
    }
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw invalidArgument("the PostgreSQL URL must name a host: postgres://USER@HOST:5432/DB");
  const database = decoded(url.pathname.replace(/^\//, ""), "database name");
  if (database === "" || database.includes("/")) {
    throw invalidArgument("the PostgreSQL URL must name one database: postgres://USER@HOST:5432/DB");
  }
  const user = url.username === "" ? undefined : decoded(url.username, "user name");
  const urlPassword = url.password === "" ? undefined : decoded(url.password, "password");

  if (urlPassword !== undefined && options.passwordFile !== undefined) {
    throw invalidArgument("the PostgreSQL password is given twice (in the URL and as a password file); give it once");
  }
  const env = options.env ?? process.env;
  let passwordSource: PasswordSource;
  let password: ResolvedConnection["password"];
  if (urlPassword !== undefined) {
    passwordSource = "url";
    password = urlPassword;
  } else if (options.passwordFile !== undefined) {
    const file = options.passwordFile;
    if (checkFiles) readPasswordFile(file); // refuse a missing file at start-up, not at the first connection
    passwordSource = "file";
    password = () => readPasswordFile(file);
  } else if (env.PGPASSWORD !== undefined && env.PGPASSWORD !== "") {
    passwordSource = "PGPASSWORD";
    password = env.PGPASSWORD;
  } else {
    passwordSource = "none";
    password = undefined;
  }

  const sslText = either("sslmode", options.sslMode, url.searchParams.get("sslmode") ?? undefined);
  const sslMode = sslText === undefined ? "disable" : checkSslMode(sslText);
  const caFile = either("CA file (sslrootcert)", options.caFile, url.searchParams.get("sslrootcert") ?? undefined);
  if (caFile !== undefined && sslMode !== "verify-ca" && sslMode !== "verify-full") {
    throw invalidArgument(`a PostgreSQL CA file only applies to sslmode=verify-ca or verify-full, not ${sslMode}`);
  }

  const schema = options.schema ?? defaultSchema;
  if (!schemaPattern.test(schema)) {
    throw invalidArgument(
      `PostgreSQL schema must be a lower-case identifier (letters, digits, _; at most 63), got ${JSON.stringify(schema)}`,
    );
  }
  const applicationName =
    either("application_name", options.applicationName, url.searchParams.get("application_name") ?? undefined) ??
    "scriba";

  const resolved = {
    host,
    port: url.port === "" ? 5432 : Number(url.port),
    database,
    user,
    passwordSource,
    sslMode,
    caFile,
    schema,
    applicationName,
    poolSize: positive("pool size", options.poolSize, defaultPoolSize),
    statementTimeoutMs: positive("statement timeout", options.statementTimeoutMs, defaultStatementTimeoutMs),
    connectionTimeoutMs: positive("connection timeout", options.connectionTimeoutMs, defaultConnectionTimeoutMs),
    pingTimeoutMs: positive("ping timeout", options.pingTimeoutMs, defaultPingTimeoutMs),
    migrationTimeoutMs: positive("migration timeout", options.migrationTimeoutMs, defaultMigrationTimeoutMs),
  } as ResolvedConnection;
  Object.defineProperty(resolved, "password", { value: password, enumerable: false });
  return resolved;
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw invalidArgument(`cannot read the PostgreSQL CA file ${JSON.stringify(path)}: ${code}`);
  }
}

/** The TLS options of `node:tls` for an sslmode; false for plain text. */
export function tlsOptions(connection: ResolvedConnection): ConnectionOptions | false {
  const ca = connection.caFile === undefined ? {} : { ca: readCa(connection.caFile) };
  switch (connection.sslMode) {
    case "disable":
      return false;
    case "require":
      return { rejectUnauthorized: false };
    case "verify-ca":
      // The chain is verified; the name is not (libpq's verify-ca).
      return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case "verify-full":
      return { ...ca, rejectUnauthorized: true };
  }
}

/** The settings of the `pg` pool. */
export function poolConfig(connection: ResolvedConnection): PoolConfig {
  return {
    host: connection.host,
    port: connection.port,
    database: connection.database,
    ...(connection.user === undefined ? {} : { user: connection.user }),
    // An empty string would make pg fall back to PGPASSWORD and ~/.pgpass on its own.
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ssl: tlsOptions(connection),
    application_name: connection.applicationName,
    max: connection.poolSize,
    connectionTimeoutMillis: connection.connectionTimeoutMs,
    statement_timeout: connection.statementTimeoutMs,
    // A replica that stalls inside a transaction must not hold its row locks for long.
    idle_in_transaction_session_timeout: connection.statementTimeoutMs,
    // The server cancels slow statements; this covers a server that no longer answers at all.
    query_timeout: connection.statementTimeoutMs + connection.connectionTimeoutMs,
    keepAlive: true,
    idleTimeoutMillis: 30_000,
  };
}

/**
 * The target for logs and error messages: the URL without its password, the
 * TLS mode, the schema and where the password comes from (never what it is).
 */
export function describeConnection(connection: ResolvedConnection): string {
  const host = connection.host.includes(":") ? `[${connection.host}]` : connection.host;
  const user = connection.user === undefined ? "" : `${encodeURIComponent(connection.user)}@`;
  const ca = connection.caFile === undefined ? "" : `&sslrootcert=${connection.caFile}`;
  return (
    `postgres://${user}${host}:${connection.port}/${encodeURIComponent(connection.database)}` +
    `?sslmode=${connection.sslMode}${ca} (schema ${connection.schema}, password from ${connection.passwordSource})`
  );
}

/** `describeConnection` for options that may not even parse: then only a fixed text. */
export function describePostgresTarget(options: PostgresStoreOptions): string {
  try {
    return describeConnection(resolveConnection(options, false));
  } catch {
    return "a PostgreSQL database (the settings do not parse)";
  }
}
