/**
 * @module admission/webhook-server
 *
 * The HTTPS listener the Kubernetes API server calls. Admission webhooks are
 * HTTPS only (the API server verifies the serving certificate against the
 * webhook configuration's `caBundle`), so there is no plain-HTTP mode. TLS
 * 1.2 at least. Connections are kept alive (the API server reuses them);
 * header and request timeouts bound what a slow client can hold.
 *
 * The certificate and key are read once, at start; rotating them means
 * restarting the listener.
 */
import type { RequestListener } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { invalidArgument } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import { silentLogger } from "../logging/logger.js";
import { formatListenAddress } from "../server/listen-address.js";
import { readPemFile } from "../tls/read-pem-file.js";

export interface TlsMaterial {
  /** PEM certificate chain (the serving certificate first). */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

export interface WebhookServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly tls: TlsMaterial;
  readonly handler: RequestListener;
  readonly logger?: Logger | undefined;
}

export interface RunningWebhookServer {
  readonly host: string;
  readonly port: number;
  /** `https://host:port`. */
  readonly url: string;
  /** Stops accepting connections and closes the open ones. */
  close(): Promise<void>;
}

/** Reads `--tls-cert` and `--tls-key`; throws INVALID_ARGUMENT naming the file that cannot be read. */
export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  return { cert: readPemFile(certFile, "--tls-cert"), key: readPemFile(keyFile, "--tls-key") };
}

/** Starts the HTTPS listener; resolves once it is listening. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<RunningWebhookServer> {
  const logger = options.logger ?? silentLogger;
  let server: ReturnType<typeof createServer>;
  try {
    server = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: "TLSv1.2" }, options.handler);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidArgument(`the TLS certificate and key cannot be used together: ${reason}`);
  }
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  server.on("tlsClientError", (error) => logger.debug("TLS handshake failed", { reason: error.message }));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => logger.error("webhook listener error", { error }));
  const address = server.address() as AddressInfo;
  const url = `https://${formatListenAddress({ host: address.address, port: address.port })}`;
  logger.info("admission webhook listening", { url });
  return {
    host: address.address,
    port: address.port,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
