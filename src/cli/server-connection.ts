/**
 * @module cli/server-connection
 *
 * The settings every command that talks to a Scriba server shares (`--server`,
 * `--server-ca`, `--client-cert`/`--client-key`, `--token`, `--timeout`) and
 * the REST client they make.
 * Cancelling the command (SIGINT/SIGTERM) cancels the request in flight.
 */
import { GrafeasRestClient } from "../client/grafeas-rest-client.js";
import { parseServerUrl } from "../client/server-url.js";
import type { ClientCertificate } from "../client/grafeas-client.js";
import { invalidArgument } from "../errors.js";
import { readPemFile } from "../tls/read-pem-file.js";
import type { CliIO } from "./command.js";
import { type SettingValues, describeSettings, positiveInteger, resolveSettings, setting, text } from "./settings.js";

export const defaultServerUrl = "http://127.0.0.1:8080";

/** The PEM a `--server-ca` FILE holds; an unreadable file is a usage error that names it. */
export function readServerCa(file: string): string {
  return readPemFile(file, "--server-ca");
}

/**
 * `--client-cert` and `--client-key`, for a server that requires mutual TLS;
 * `keyPrefix` places them in the config file (`metadata.` → `metadata.clientCert`).
 */
export function clientCertificateSettings(keyPrefix = "") {
  return {
    clientCert: setting({
      flag: "client-cert",
      key: `${keyPrefix}clientCert`,
      env: "SCRIBA_CLIENT_CERT",
      valueName: "FILE",
      description: "PEM client certificate to present to a server that requires mutual TLS (with --client-key).",
      parse: text,
    }),
    clientKey: setting({
      flag: "client-key",
      key: `${keyPrefix}clientKey`,
      env: "SCRIBA_CLIENT_KEY",
      valueName: "FILE",
      description: "PEM private key of --client-cert.",
      parse: text,
    }),
  };
}

/** The client certificate the two settings name, or undefined; one without the other is a usage error. */
export function readClientCertificate(values: { clientCert?: string | undefined; clientKey?: string | undefined }): ClientCertificate | undefined {
  const { clientCert, clientKey } = values;
  if (clientCert === undefined && clientKey === undefined) return undefined;
  if (clientCert === undefined || clientKey === undefined) {
    throw invalidArgument("--client-cert and --client-key go together: give both, or neither");
  }
  return { cert: readPemFile(clientCert, "--client-cert"), key: readPemFile(clientKey, "--client-key") };
}

export const connectionSettings = {
  server: setting({
    flag: "server",
    key: "server",
    env: "SCRIBA_SERVER",
    valueName: "URL",
    description: "The Scriba (or Grafeas v1 REST) server.",
    default: defaultServerUrl,
    parse: parseServerUrl,
  }),
  serverCa: setting({
    flag: "server-ca",
    key: "serverCa",
    env: "SCRIBA_SERVER_CA",
    valueName: "FILE",
    description: "PEM CA certificate(s) to trust for an https --server, instead of the system's.",
    parse: text,
  }),
  ...clientCertificateSettings(),
  token: setting({
    flag: "token",
    key: "token",
    env: "SCRIBA_TOKEN",
    valueName: "TOKEN",
    description: "Sent as 'Authorization: Bearer TOKEN' (for a server behind an authenticating proxy).",
    parse: text,
  }),
  timeout: setting({
    flag: "timeout",
    key: "timeout",
    env: "SCRIBA_TIMEOUT",
    valueName: "SECONDS",
    description: "Gives up on a request after this long.",
    default: "10",
    parse: positiveInteger("the timeout"),
  }),
};

export type ConnectionValues = SettingValues<typeof connectionSettings>;

/** Help lines for the connection settings. */
export function describeConnection(): string {
  return describeSettings(connectionSettings, { configFile: false });
}

/** The client for the server the flags and environment name. */
export function connect(flags: Record<string, string | boolean | (string | boolean)[] | undefined>, io: CliIO): GrafeasRestClient {
  const settings = resolveSettings(connectionSettings, { flags, env: io.env });
  return new GrafeasRestClient({
    baseUrl: settings.server ?? defaultServerUrl,
    bearerToken: settings.token,
    ca: settings.serverCa === undefined ? undefined : readServerCa(settings.serverCa),
    clientCertificate: readClientCertificate(settings),
    timeoutMs: (settings.timeout ?? 10) * 1000,
    signal: io.signal,
  });
}
