/**
 * @module bench/lib/load-spec
 *
 * What a load generator is asked to do and what it reports back. The spec is
 * plain JSON (written to a file and handed to the load generator process), so
 * the same spec drives the Node load generator and wrk.
 *
 * A run is closed-loop: each connection (or stream) sends its next request as
 * soon as the previous answer arrives, so `connections` is the number of
 * requests in flight. Timing is either a warm-up followed by a measured
 * window of fixed length (throughput and latency under steady load), or a
 * fixed number of requests fired at once (`burst`, for "200 concurrent
 * reviews of one image").
 */
import type { HistogramData } from "./histogram.js";

export interface LoadTiming {
  /** Seconds of load before the window opens; their answers are not counted. */
  readonly warmupSeconds: number;
  /** Length of the measured window. */
  readonly durationSeconds: number;
  /** Instead of a timed window: send exactly this many requests, `connections` at a time, and measure them all. */
  readonly burst?: number | undefined;
}

export interface HttpRequestTemplate {
  readonly method: string;
  /** Path and query, already percent-encoded. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: string | undefined;
}

export interface HttpLoadSpec extends LoadTiming {
  readonly protocol: "http";
  /** `http://host:port` or `https://host:port`. */
  readonly url: string;
  /** Several targets (replicas): connections are spread over them round-robin. */
  readonly extraUrls?: readonly string[] | undefined;
  readonly connections: number;
  /** Requests are taken from this list in turn (`cycle`) or at random (`random`, seeded). */
  readonly requests: readonly HttpRequestTemplate[];
  readonly order: "cycle" | "random";
  /** For https: accept the server's certificate without checking it (bench servers use throw-away certificates). */
  readonly insecureTls?: boolean | undefined;
}

export interface GrpcLoadSpec extends LoadTiming {
  readonly protocol: "grpc";
  /** `http://host:port` (cleartext HTTP/2). */
  readonly url: string;
  readonly extraUrls?: readonly string[] | undefined;
  /** HTTP/2 connections; each carries `streamsPerConnection` calls at a time. */
  readonly connections: number;
  readonly streamsPerConnection: number;
  /** `/package.Service/Method`. */
  readonly path: string;
  /** Serialized request messages (base64), used in turn or at random. */
  readonly messages: readonly string[];
  readonly order: "cycle" | "random";
}

export type LoadSpec = HttpLoadSpec | GrpcLoadSpec;

/** The tool that produced a figure, named in every report. */
export type LoadTool = "wrk" | "node-http1" | "node-h2-grpc";

export interface LoadOutcome {
  readonly tool: LoadTool;
  /** Answers received inside the measured window. */
  readonly completed: number;
  /** Of those, answers that were not a success (non-2xx, grpc-status ≠ 0), plus connection errors. */
  readonly errors: number;
  /** The first few failure descriptions (status codes, error messages). */
  readonly errorSamples: readonly string[];
  readonly windowSeconds: number;
  /** Latency of every counted answer; absent when the tool gives only percentiles (wrk). */
  readonly histogram?: HistogramData | undefined;
  /** Percentiles in ms when there is no histogram. */
  readonly percentilesMs?: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number } | undefined;
  /** CPU the load generator itself used per wall second in the window, when known. */
  readonly clientUtilization?: number | undefined;
}
