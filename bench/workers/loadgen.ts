/**
 * @module bench/workers/loadgen
 *
 * The Node load generator process: `node loadgen.js SPEC.json`. Runs one load
 * spec (HTTP/1.1 or gRPC), announces the measured window's opening and
 * closing, and prints the outcome.
 */
import { runGrpcLoad } from "../lib/grpc-load.js";
import { runHttpLoad } from "../lib/http-load.js";
import { emit, readSpec, runWorker } from "../lib/json-lines.js";
import type { LoadSpec } from "../lib/load-spec.js";

runWorker(async () => {
  const spec = readSpec<LoadSpec>();
  const events = {
    opened: () => emit({ event: "window-opened" }),
    closed: () => emit({ event: "window-closed" }),
  };
  return spec.protocol === "grpc" ? runGrpcLoad(spec, events) : runHttpLoad(spec, events);
});
