/**
 * @module bench/workers/server
 *
 * A baseline server process: `node server.js SPEC.json`. Starts the bare
 * server the spec names, prints `{"listening":{"host","port","scheme"}}`, and runs
 * until it is sent SIGTERM. (Scriba itself runs as `scriba serve`, the real
 * executable, not through this worker.)
 */
import { emit, readSpec } from "../lib/json-lines.js";
import { startBareGrpc, type BareGrpcSpec } from "../servers/bare-grpc.js";
import { startBareHttp, type BareHttpSpec } from "../servers/bare-http.js";
import { startNoopWebhook, type NoopWebhookSpec } from "../servers/noop-webhook.js";

export type BaselineServerSpec = BareHttpSpec | BareGrpcSpec | NoopWebhookSpec;

async function main(): Promise<void> {
  const spec = readSpec<BaselineServerSpec>();
  let stop: () => void;
  let port: number;
  let scheme = "http";
  switch (spec.kind) {
    case "bare-http": {
      const server = await startBareHttp(spec);
      const address = server.address();
      port = typeof address === "object" && address !== null ? address.port : 0;
      stop = () => server.close();
      break;
    }
    case "bare-grpc": {
      const started = await startBareGrpc(spec);
      port = started.port;
      stop = () => started.server.forceShutdown();
      break;
    }
    case "noop-webhook": {
      const server = await startNoopWebhook(spec);
      const address = server.address();
      port = typeof address === "object" && address !== null ? address.port : 0;
      scheme = "https";
      stop = () => server.close();
      break;
    }
  }
  emit({ listening: { host: "127.0.0.1", port, scheme } });
  process.once("SIGTERM", () => {
    stop();
    process.exit(0);
  });
}

main().catch((error: unknown) => {
  emit({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
