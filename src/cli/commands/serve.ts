/**
 * @module cli/commands/serve
 *
 * `scriba serve`: the Grafeas API (gRPC and REST on one port) over the
 * configured store. Runs until SIGINT/SIGTERM, then drains and closes.
 */
import { createLogger, type LogLevel } from "../../logging/logger.js";
import { parsePageTokenKey } from "../../grafeas/page-token.js";
import { readFileSync } from "node:fs";
import { parseListenAddress } from "../../server/listen-address.js";
import { openStore, type PostgresSettings } from "../../server/open-store.js";
import { sslModes } from "../../store/postgres/connection-options.js";
import { startScribaServer } from "../../server/scriba-server.js";
import { readPemFile } from "../../tls/read-pem-file.js";
import type { OnePortTls } from "../../wire/one-port-listener.js";
import { invalidArgument } from "../../errors.js";
import { defaultStorage, describeStorage, parseStorageSetting } from "../../server/storage-config.js";
import { exitCodes, untilAborted, type Command } from "../command.js";
import { grafeasServiceMetadata } from "../../admission/grafeas-service-metadata.js";
import {
  configFileSetting,
  describeSettings,
  oneOf,
  positiveInteger,
  readCommandSettings,
  required,
  setting,
  text,
  type SettingValues,
} from "../settings.js";
import { startPolicyWebhook, webhookSettings } from "./webhook.js";

function postgresSetting<T>(name: string, flagSuffix: string, valueName: string, description: string, parse: (v: string) => T) {
  return setting({
    flag: `postgres-${flagSuffix}`,
    key: `postgres.${name}`,
    env: `SCRIBA_POSTGRES_${flagSuffix.replace(/-/g, "_").toUpperCase()}`,
    valueName,
    description,
    parse,
  });
}

/** The PostgreSQL store's settings; the URL itself is `--storage postgres://…`. */
export const postgresSettings = {
  postgresPoolSize: postgresSetting("poolSize", "pool-size", "N", "Connections per replica (default 10).", positiveInteger("postgres.poolSize")),
  postgresStatementTimeoutMs: postgresSetting("statementTimeoutMs", "statement-timeout-ms", "MS", "Longest a statement may run (default 10000).", positiveInteger("postgres.statementTimeoutMs")),
  postgresConnectionTimeoutMs: postgresSetting("connectionTimeoutMs", "connection-timeout-ms", "MS", "Longest to wait for a connection; then UNAVAILABLE (default 5000).", positiveInteger("postgres.connectionTimeoutMs")),
  postgresMigrationTimeoutMs: postgresSetting("migrationTimeoutMs", "migration-timeout-ms", "MS", "Longest to wait for the migration lock at start-up (default 300000).", positiveInteger("postgres.migrationTimeoutMs")),
  postgresSslMode: postgresSetting("sslMode", "ssl-mode", "MODE", "TLS to the database: disable | require | verify-ca | verify-full.", oneOf("postgres.sslMode", sslModes)),
  postgresCaFile: postgresSetting("caFile", "ca-file", "FILE", "CA certificate(s) to verify the database server with.", text),
  postgresPasswordFile: postgresSetting("passwordFile", "password-file", "FILE", "File holding the password (else the URL or PGPASSWORD).", text),
  postgresSchema: postgresSetting("schema", "schema", "NAME", "Schema for Scriba's tables (default public).", text),
};

export const serveSettings = {
  listen: setting({
    flag: "listen",
    key: "listen",
    env: "SCRIBA_LISTEN",
    valueName: "HOST:PORT",
    description: "Address for gRPC and REST (one port).",
    default: "127.0.0.1:8080",
    parse: (v) => parseListenAddress(v),
  }),
  storage: setting({
    flag: "storage",
    key: "storage",
    env: "SCRIBA_STORAGE",
    valueName: "SPEC",
    description: "memory | sqlite:PATH | postgres://USER@HOST:PORT/DB",
    default: defaultStorage,
    parse: parseStorageSetting,
  }),
  sqliteSynchronous: setting({
    flag: "sqlite-synchronous",
    key: "sqlite.synchronous",
    env: "SCRIBA_SQLITE_SYNCHRONOUS",
    valueName: "FULL|NORMAL",
    description: "SQLite durability: FULL survives power loss; NORMAL survives a killed process.",
    default: "FULL",
    parse: oneOf("sqlite.synchronous", ["FULL", "NORMAL"] as const),
  }),
  ...postgresSettings,
  pageTokenKey: setting({
    flag: "page-token-key",
    key: "pageTokenKey",
    env: "SCRIBA_PAGE_TOKEN_KEY",
    valueName: "KEY",
    description: "Seals page tokens (≥32 bytes, base64 or hex). Give every replica the same key.",
    parse: parsePageTokenKey,
  }),
  pageTokenKeyFile: setting({
    flag: "page-token-key-file",
    key: "pageTokenKeyFile",
    env: "SCRIBA_PAGE_TOKEN_KEY_FILE",
    valueName: "FILE",
    description: "Reads the page token key from a file (e.g. a mounted Secret).",
    parse: (path) => parsePageTokenKey(readFileSync(path, "utf8")),
  }),
  maxRequestBytes: setting({
    flag: "max-request-bytes",
    key: "limits.maxRequestBytes",
    env: "SCRIBA_MAX_REQUEST_BYTES",
    valueName: "BYTES",
    description: "Largest REST request body accepted.",
    default: String(4 * 1024 * 1024),
    parse: positiveInteger("limits.maxRequestBytes"),
  }),
  apiTlsCert: setting({
    flag: "api-tls-cert",
    key: "api.tlsCert",
    env: "SCRIBA_API_TLS_CERT",
    valueName: "FILE",
    description: "PEM certificate (chain): serve gRPC and REST over TLS on --listen. Needs --api-tls-key.",
    parse: text,
  }),
  apiTlsKey: setting({
    flag: "api-tls-key",
    key: "api.tlsKey",
    env: "SCRIBA_API_TLS_KEY",
    valueName: "FILE",
    description: "PEM private key of --api-tls-cert.",
    parse: text,
  }),
  apiTlsClientCa: setting({
    flag: "api-tls-client-ca",
    key: "api.tlsClientCa",
    env: "SCRIBA_API_TLS_CLIENT_CA",
    valueName: "FILE",
    description: "PEM CA certificate(s): require every API client to present a certificate they issued (mutual TLS).",
    parse: text,
  }),
  logLevel: setting({
    flag: "log-level",
    key: "logLevel",
    env: "SCRIBA_LOG_LEVEL",
    valueName: "LEVEL",
    description: "debug | info | warn | error",
    default: "info",
    parse: oneOf<LogLevel>("logLevel", ["debug", "info", "warn", "error"]),
  }),
};

/** `--webhook-listen`: the same `webhook.listen` setting `scriba webhook --listen` reads. */
const webhookListenSetting = setting({
  flag: "webhook-listen",
  key: "webhook.listen",
  env: "SCRIBA_WEBHOOK_LISTEN",
  valueName: "HOST:PORT",
  description: "With --policy-dir or --policy-source kubernetes: where the in-process admission webhook serves HTTPS.",
  default: "127.0.0.1:8443",
  parse: (v) => parseListenAddress(v, "--webhook-listen"),
});

const specs = { ...serveSettings, ...webhookSettings, webhookListen: webhookListenSetting };

/** The API port's TLS material from --api-tls-*, or undefined for cleartext. */
function apiTls(values: SettingValues<typeof serveSettings>): OnePortTls | undefined {
  const { apiTlsCert, apiTlsKey, apiTlsClientCa } = values;
  if (apiTlsCert === undefined && apiTlsKey === undefined) {
    if (apiTlsClientCa !== undefined) throw invalidArgument("--api-tls-client-ca needs --api-tls-cert and --api-tls-key");
    return undefined;
  }
  if (apiTlsCert === undefined || apiTlsKey === undefined) {
    throw invalidArgument("--api-tls-cert and --api-tls-key go together: give both, or neither for cleartext");
  }
  return {
    cert: readPemFile(apiTlsCert, "--api-tls-cert"),
    key: readPemFile(apiTlsKey, "--api-tls-key"),
    clientCa: apiTlsClientCa === undefined ? undefined : readPemFile(apiTlsClientCa, "--api-tls-client-ca"),
  };
}

function postgresOptions(values: SettingValues<typeof postgresSettings>): PostgresSettings {
  return Object.fromEntries(
    Object.entries({
      poolSize: values.postgresPoolSize,
      statementTimeoutMs: values.postgresStatementTimeoutMs,
      connectionTimeoutMs: values.postgresConnectionTimeoutMs,
      migrationTimeoutMs: values.postgresMigrationTimeoutMs,
      sslMode: values.postgresSslMode,
      caFile: values.postgresCaFile,
      passwordFile: values.postgresPasswordFile,
      schema: values.postgresSchema,
    }).filter(([, v]) => v !== undefined),
  );
}

export const serveCommand: Command = {
  name: "serve",
  summary: "Run the Grafeas API server (gRPC and REST on one port), optionally with the admission webhook",
  help: () =>
    [
      "Usage: scriba serve [options]",
      "",
      "Serves grafeas.v1 (gRPC and REST, same port), grafeas.v1.project.Projects,",
      "the v1alpha1 paths of the 2017 walkthrough, /healthz and /readyz.",
      "With --policy-dir or --policy-source kubernetes (and --tls-cert/--tls-key), also serves the",
      "admission webhook over HTTPS on --webhook-listen, reading metadata from this server in-process.",
      "",
      "Options:",
      describeSettings({ ...specs, config: configFileSetting }),
      "",
    ].join("\n"),
  async run(args, io) {
    const { values: settings } = readCommandSettings(args, specs, io.env);
    const logger = createLogger({ level: settings.logLevel ?? "info" });
    const storage = settings.storage!;
    const withWebhook = settings.policyDir !== undefined || settings.policySource === "kubernetes";
    if (withWebhook) {
      required(settings.tlsCert, "tls-cert", "FILE (the webhook serves HTTPS)");
      required(settings.tlsKey, "tls-key", "FILE (the webhook serves HTTPS)");
    }
    const tls = apiTls(settings);
    const store = await openStore(storage, {
      sqliteSynchronous: settings.sqliteSynchronous,
      postgres: postgresOptions(settings),
      logger,
    });
    const server = await startScribaServer({
      listen: settings.listen!,
      store,
      logger,
      pageTokenKey: settings.pageTokenKey ?? settings.pageTokenKeyFile,
      maxBodyBytes: settings.maxRequestBytes,
      tls,
    });
    logger.info("storage", { storage: describeStorage(storage) });
    if (settings.pageTokenKey === undefined && settings.pageTokenKeyFile === undefined) {
      logger.warn("no pageTokenKey configured: page tokens are valid only on this process until it restarts");
    }
    io.stdout(`scriba serving on ${server.address.host}:${server.address.port}${tls === undefined ? "" : " (TLS)"}\n`);
    let webhook: { url: string; close(): Promise<void> } | undefined;
    try {
      if (withWebhook) {
        webhook = await startPolicyWebhook({
          listen: settings.webhookListen!,
          tlsCert: settings.tlsCert!,
          tlsKey: settings.tlsKey!,
          settings,
          metadata: grafeasServiceMetadata(server.services.grafeas),
          metadataInProcess: true,
          logger: logger.child({ component: "admission-webhook" }),
        });
        io.stdout(`scriba admission webhook on ${webhook.url}\n`);
      }
      await untilAborted(io.signal);
    } finally {
      logger.info("shutting down");
      await webhook?.close();
      await server.close();
    }
    return exitCodes.ok;
  },
};
