import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ScribaError } from "../../errors.js";
import {
  describeConnection,
  describePostgresTarget,
  poolConfig,
  resolveConnection,
  tlsOptions,
  type PostgresStoreOptions,
} from "./connection-options.js";

const scratch = mkdtempSync(join(tmpdir(), "scriba-pg-options-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const noEnv = {};
const resolve = (url: string, options: Partial<PostgresStoreOptions> = {}) =>
  resolveConnection({ url, env: noEnv, ...options });

function refused(options: PostgresStoreOptions, message: RegExp): void {
  assert.throws(
    () => resolveConnection({ env: noEnv, ...options }),
    (error: unknown) => error instanceof ScribaError && error.code === "INVALID_ARGUMENT" && message.test(error.message),
  );
}

describe("PostgreSQL connection settings", () => {
  test("a plain URL gets the documented defaults", () => {
    const connection = resolve("postgres://scriba@db.example:6432/grafeas");
    assert.deepEqual(
      { ...connection },
      {
        host: "db.example",
        port: 6432,
        database: "grafeas",
        user: "scriba",
        passwordSource: "none",
        sslMode: "disable",
        caFile: undefined,
        schema: "public",
        applicationName: "scriba",
        poolSize: 10,
        statementTimeoutMs: 10_000,
        connectionTimeoutMs: 5_000,
        pingTimeoutMs: 2_000,
        migrationTimeoutMs: 300_000,
      },
    );
  });

  test("every wait of the pool is bounded by the configured timeouts", () => {
    const config = poolConfig(resolve("postgres://scriba@db/grafeas", { statementTimeoutMs: 3000, connectionTimeoutMs: 700, poolSize: 3 }));
    assert.equal(config.max, 3);
    assert.equal(config.connectionTimeoutMillis, 700);
    assert.equal(config.statement_timeout, 3000);
    assert.equal(config.idle_in_transaction_session_timeout, 3000);
    assert.equal(config.query_timeout, 3700);
    assert.equal(config.ssl, false);
  });

  test("user, password and database are percent-decoded; IPv6 hosts lose their brackets; the port defaults to 5432", () => {
    const connection = resolve("postgresql://us%40er:p%3Ass%2Fw@[::1]/my%20db");
    assert.equal(connection.user, "us@er");
    assert.equal(connection.password, "p:ss/w");
    assert.equal(connection.passwordSource, "url");
    assert.equal(connection.host, "::1");
    assert.equal(connection.port, 5432);
    assert.equal(connection.database, "my db");
    assert.match(describeConnection(connection), /^postgres:\/\/us%40er@\[::1\]:5432\/my%20db\?sslmode=disable/);
  });

  test("a password file is read again for every new connection, so a rotated password needs no restart", () => {
    const file = join(scratch, "password");
    writeFileSync(file, "first\n");
    const connection = resolve("postgres://scriba@db/grafeas", { passwordFile: file });
    assert.equal(connection.passwordSource, "file");
    const password = poolConfig(connection).password;
    assert.ok(typeof password === "function");
    assert.equal(password(), "first");
    writeFileSync(file, "second");
    assert.equal(password(), "second");
  });

  test("PGPASSWORD is used when neither the URL nor a file gives a password", () => {
    const connection = resolveConnection({ url: "postgres://scriba@db/grafeas", env: { PGPASSWORD: "from-env" } });
    assert.equal(connection.passwordSource, "PGPASSWORD");
    assert.equal(poolConfig(connection).password, "from-env");
    const fromUrl = resolveConnection({ url: "postgres://scriba:from-url@db/grafeas", env: { PGPASSWORD: "from-env" } });
    assert.equal(fromUrl.password, "from-url");
  });

  test("a password given both in the URL and as a file is refused", () => {
    const file = join(scratch, "twice");
    writeFileSync(file, "x");
    refused({ url: "postgres://scriba:secret@db/grafeas", passwordFile: file }, /password is given twice/);
  });

  test("an unreadable password file is refused at start-up without its contents", () => {
    refused({ url: "postgres://scriba@db/grafeas", passwordFile: join(scratch, "missing") }, /cannot read the PostgreSQL password file .*ENOENT/);
  });

  test("the password is in neither the description nor the serialized settings", () => {
    const url = "postgres://scriba:hunter2-secret@db/grafeas?sslmode=verify-full";
    const connection = resolve(url);
    assert.equal(connection.password, "hunter2-secret");
    for (const text of [describeConnection(connection), describePostgresTarget({ url }), JSON.stringify(connection)]) {
      assert.ok(!text.includes("hunter2"), text);
    }
    assert.equal(
      describeConnection(connection),
      "postgres://scriba@db:5432/grafeas?sslmode=verify-full (schema public, password from url)",
    );
    assert.equal(describePostgresTarget({ url: "not a url:// hunter2" }), "a PostgreSQL database (the settings do not parse)");
  });

  test("sslmode comes from the URL or the option; prefer, allow and unknown modes are refused", () => {
    assert.equal(resolve("postgres://s@db/g?sslmode=require").sslMode, "require");
    assert.equal(resolve("postgres://s@db/g", { sslMode: "verify-ca" }).sslMode, "verify-ca");
    refused({ url: "postgres://s@db/g?sslmode=prefer" }, /sslmode=prefer is not supported/);
    refused({ url: "postgres://s@db/g?sslmode=allow" }, /sslmode=allow is not supported/);
    refused({ url: "postgres://s@db/g?sslmode=verify_full" }, /sslmode must be one of/);
    refused({ url: "postgres://s@db/g?sslmode=require", sslMode: "disable" }, /sslmode is given twice/);
  });

  test("URL parameters Scriba does not act on are refused rather than ignored", () => {
    refused({ url: "postgres://s@db/g?ssl_mode=require" }, /unsupported PostgreSQL URL parameter "ssl_mode"/);
    refused({ url: "postgres://s@db/g?options=-c%20search_path%3Dx" }, /unsupported PostgreSQL URL parameter "options"/);
  });

  test("a CA file applies only to the verifying modes and is read into the TLS options", () => {
    const ca = join(scratch, "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n");
    refused({ url: "postgres://s@db/g?sslmode=require", caFile: ca }, /only applies to sslmode=verify-ca or verify-full/);
    const full = tlsOptions(resolve(`postgres://s@db/g?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`));
    assert.ok(full !== false);
    assert.equal(full.rejectUnauthorized, true);
    assert.equal(full.checkServerIdentity, undefined, "verify-full checks the host name");
    assert.deepEqual(full.ca, Buffer.from("-----BEGIN CERTIFICATE-----\n"));
    const chainOnly = tlsOptions(resolve("postgres://s@db/g", { sslMode: "verify-ca", caFile: ca }));
    assert.ok(chainOnly !== false && chainOnly.rejectUnauthorized === true);
    assert.equal(chainOnly.checkServerIdentity?.("db", {} as never), undefined, "verify-ca skips the host name");
    const encrypted = tlsOptions(resolve("postgres://s@db/g?sslmode=require"));
    assert.deepEqual(encrypted, { rejectUnauthorized: false });
    assert.equal(tlsOptions(resolve("postgres://s@db/g")), false);
  });

  test("URLs without a host or a database, or of another scheme, are refused", () => {
    refused({ url: "postgres:///grafeas" }, /must name a host/);
    refused({ url: "postgres://s@db" }, /must name one database/);
    refused({ url: "postgres://s@db/a/b" }, /must name one database/);
    refused({ url: "mysql://s@db/g" }, /must start with postgres:\/\//);
    refused({ url: "postgres://s@db:notaport/g" }, /malformed/);
  });

  test("the schema must be a plain lower-case identifier, and sizes and timeouts positive whole numbers", () => {
    assert.equal(resolve("postgres://s@db/g", { schema: "scriba_2" }).schema, "scriba_2");
    for (const schema of ["Scriba", "a-b", "1abc", "", "x".repeat(64), `a"b`]) {
      refused({ url: "postgres://s@db/g", schema }, /schema must be a lower-case identifier/);
    }
    refused({ url: "postgres://s@db/g", poolSize: 0 }, /pool size must be a positive whole number/);
    refused({ url: "postgres://s@db/g", statementTimeoutMs: 1.5 }, /statement timeout must be a positive whole number/);
  });
});
