/**
 * @module bench/suites/grpc
 *
 * Issue 2's gRPC figure: `grafeas.v1.Grafeas/GetOccurrence` over random IDs
 * among 10,000 stored occurrences, against `scriba serve` (gRPC and REST on
 * one port), beside a bare grpc-js server on its own port that answers each
 * request with the same encoded occurrence from a Map. Both are driven by the
 * same HTTP/2 load generator with the same request bytes, 2 connections × 16
 * concurrent streams.
 */
import { join } from "node:path";
import { create, fromBinary, fromJson, toBinary, type JsonValue } from "@bufbuild/protobuf";
import { GetOccurrenceRequestSchema, OccurrenceSchema } from "../../src/gen/grafeas/v1/grafeas_pb.js";
import { grafeasRegistry } from "../../src/grafeas/proto-json.js";
import type { FigureDefinition } from "../lib/figures.js";
import type { GrpcLoadSpec } from "../lib/load-spec.js";
import { expectGrpcOk } from "../lib/probe.js";
import { compareServers } from "../lib/server-figure.js";
import { startBaselineServer, startScribaServe } from "../lib/servers.js";
import { seedSmallStore } from "../lib/sqlite-seed.js";
import type { Suite } from "../lib/suite.js";

const path = "/grafeas.v1.Grafeas/GetOccurrence";
const connections = 2;
const streamsPerConnection = 16;

export const grpcSuite: Suite = {
  name: "grpc",
  issue: 2,
  summary: "gRPC GetOccurrence beside a bare grpc-js server",
  async run(context) {
    const dbPath = join(context.workDir, "grpc.sqlite");
    const records = await seedSmallStore(dbPath, context.log);
    const pairs = records.map((record) => {
      const request = toBinary(GetOccurrenceRequestSchema, create(GetOccurrenceRequestSchema, { name: record.name }));
      const message = fromJson(OccurrenceSchema, JSON.parse(record.json) as JsonValue, { registry: grafeasRegistry });
      return [Buffer.from(request), Buffer.from(toBinary(OccurrenceSchema, message))] as const;
    });
    const ours = await startScribaServe({
      name: "scriba",
      storage: `sqlite:${dbPath}`,
      cpus: context.cpus.serverCpus,
      nodeArgs: context.profileArgs("grpc.get"),
    });
    const bare = await startBaselineServer(
      "bare grpc-js",
      { kind: "bare-grpc", path, replies: pairs.map(([q, a]) => [q.toString("base64"), a.toString("base64")] as const) },
      context.cpus.serverCpus,
      context.workDir,
    );
    try {
      const [request, expected] = pairs[0]!;
      const fromScriba = await expectGrpcOk("scriba", ours.url, path, request);
      const fromBare = await expectGrpcOk("bare grpc-js", bare.url, path, request);
      if (fromBare.compare(expected) !== 0) throw new Error("the bare server answered other bytes than it was given");
      if (fromBinary(OccurrenceSchema, fromScriba).name !== records[0]!.name) throw new Error("scriba answered another occurrence");
      const meanBytes = Math.round(pairs.reduce((sum, [, reply]) => sum + reply.length, 0) / pairs.length);
      const definition: FigureDefinition = {
        id: "grpc.get",
        suite: "grpc",
        issue: 2,
        title: "gRPC GetOccurrence",
        unit: "calls/s",
        metric: "throughput",
        oursLabel: "scriba serve (SQLite, one port)",
        baselineLabel: "bare grpc-js",
        setup: `unary GetOccurrence of random IDs among ${records.length} stored occurrences (${meanBytes}-byte replies), ${connections} HTTP/2 connections × ${streamsPerConnection} streams`,
      };
      const messages = pairs.map(([q]) => q.toString("base64"));
      const specFor = (url: string): GrpcLoadSpec => ({
        protocol: "grpc",
        url,
        connections,
        streamsPerConnection,
        path,
        messages,
        order: "random",
        ...context.timing,
      });
      await compareServers(context, definition, bare, ours, specFor);
    } finally {
      await bare.stop();
      await ours.stop();
    }
    context.reportProfile("grpc.get");
  },
};
