/**
 * @module cli/commands/admission-settings
 *
 * The settings `scriba webhook`, `scriba check` and `scriba audit` share:
 * where policies and metadata come from. Exactly one of `--server` (over REST
 * or gRPC, by its URL scheme: client/server-url) and `--storage` names the
 * metadata; a flag on the command line wins over an environment variable or
 * config file entry for the other one (so `SCRIBA_STORAGE` set for `scriba
 * serve` does not get in the way of `scriba check --server …`), and giving
 * both as flags is a usage error.
 */
import type { MetadataLocation } from "../../admission/embedded-metadata.js";
import { parseServerUrl } from "../../client/server-url.js";
import { invalidArgument } from "../../errors.js";
import { parseStorageSetting } from "../../server/storage-config.js";
import { clientCertificateSettings, readClientCertificate, readServerCa } from "../server-connection.js";
import type { CommandLine, SettingValues } from "../settings.js";
import { positiveInteger, setting, text } from "../settings.js";

export const policyDirSetting = setting({
  flag: "policy-dir",
  key: "policyDir",
  env: "SCRIBA_POLICY_DIR",
  valueName: "DIR",
  description: "Directory of Kritis policy manifests (*.yaml, *.yml, *.json): AttestationAuthority, GenericAttestationPolicy, ImageSecurityPolicy, KritisConfig.",
  parse: text,
});

export const metadataSettings = {
  server: setting({
    flag: "server",
    key: "metadata.server",
    env: "SCRIBA_SERVER",
    valueName: "URL",
    description:
      "Read attestations and vulnerabilities from this Scriba (or Grafeas v1) server. The scheme chooses the transport: http:// or https:// for REST (https://scriba.example:8443), grpc:// for plaintext gRPC (grpc://scriba:8080), grpcs:// for gRPC over TLS (grpcs://scriba.example:443).",
    parse: (value) => parseServerUrl(value, ["rest", "grpc"]),
  }),
  serverCa: setting({
    flag: "server-ca",
    key: "metadata.serverCa",
    env: "SCRIBA_SERVER_CA",
    valueName: "FILE",
    description: "PEM CA certificate(s) to trust for an https:// or grpcs:// --server, instead of the system's.",
    parse: text,
  }),
  ...clientCertificateSettings("metadata."),
  storage: setting({
    flag: "storage",
    key: "storage",
    env: "SCRIBA_STORAGE",
    valueName: "SPEC",
    description: "Instead of --server, run an embedded Grafeas service on this store: memory | sqlite:PATH | postgres://USER@HOST:PORT/DB (as for scriba serve).",
    parse: parseStorageSetting,
  }),
  metadataTimeout: setting({
    flag: "metadata-timeout",
    key: "metadata.timeoutMs",
    env: "SCRIBA_METADATA_TIMEOUT_MS",
    valueName: "MS",
    description: "Budget for fetching the metadata of one review, in milliseconds.",
    default: "8000",
    parse: positiveInteger("--metadata-timeout"),
  }),
};

/** Where metadata comes from, with the precedence described in the module comment. */
export function metadataLocation(
  values: SettingValues<typeof metadataSettings>,
  commandLine: CommandLine,
): MetadataLocation {
  const serverFlag = commandLine.flags["server"] !== undefined;
  const storageFlag = commandLine.flags["storage"] !== undefined;
  if (serverFlag && storageFlag) throw invalidArgument("give either --server or --storage, not both");
  const server = storageFlag ? undefined : values.server;
  const storage = serverFlag ? undefined : values.storage;
  if (server !== undefined && storage !== undefined) {
    throw invalidArgument("both a server (SCRIBA_SERVER / metadata.server) and a storage (SCRIBA_STORAGE / storage) are configured; give --server or --storage to choose");
  }
  if (server === undefined && storage === undefined) {
    throw invalidArgument("give --server URL (a Scriba server) or --storage SPEC (an embedded store) for the attestations and vulnerabilities");
  }
  const serverCa = values.serverCa === undefined ? undefined : readServerCa(values.serverCa);
  const clientCertificate = server === undefined ? undefined : readClientCertificate(values);
  return { server, storage, serverCa, clientCertificate, timeoutMs: values.metadataTimeout };
}
