/**
 * @module grafeas/proto-json
 *
 * Canonical proto3 JSON for Grafeas objects: what Scriba stores and what REST
 * returns by default. One type registry covers every message the grafeas.v1
 * files reach, so `google.protobuf.Any` values (e.g. in
 * `DiscoveryOccurrence.analysisError[].details`) round-trip too.
 */
import {
  createRegistry,
  fromJson,
  type DescFile,
  type DescMessage,
  type JsonValue,
  type MessageShape,
  type Registry,
} from "@bufbuild/protobuf";
import { timestampFromMs, type Timestamp } from "@bufbuild/protobuf/wkt";
import { file_grafeas_v1_grafeas } from "../gen/grafeas/v1/grafeas_pb.js";
import { file_grafeas_v1_project } from "../gen/grafeas/v1/project_pb.js";
import { invalidArgument } from "../errors.js";
import { writeJson } from "./json-writer.js";

function withDependencies(file: DescFile, seen = new Set<DescFile>()): DescFile[] {
  if (!seen.has(file)) {
    seen.add(file);
    for (const dependency of file.dependencies) withDependencies(dependency, seen);
  }
  return [...seen];
}

export const grafeasRegistry: Registry = createRegistry(
  ...withDependencies(file_grafeas_v1_grafeas),
  ...withDependencies(file_grafeas_v1_project),
);

/**
 * The stored form: proto3 JSON with defaults omitted and enums by name, as
 * `toJsonString` writes it (json-writer writes the same text directly).
 */
export function toCanonicalJson<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
): string {
  return writeJson(schema, message, grafeasRegistry);
}

/** JSON text as the client or store gave it → message; bad input is INVALID_ARGUMENT. */
export function messageFromJson<Desc extends DescMessage>(
  schema: Desc,
  json: JsonValue,
  what: string,
): MessageShape<Desc> {
  try {
    return fromJson(schema, json, { registry: grafeasRegistry });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidArgument(`${what} is not valid ${schema.typeName} JSON: ${reason}`);
  }
}

/** Stored JSON → message. Stored JSON is canonical, so this only fails on corruption. */
export function messageFromStoredJson<Desc extends DescMessage>(
  schema: Desc,
  json: string,
): MessageShape<Desc> {
  return fromJson(schema, JSON.parse(json) as JsonValue, {
    registry: grafeasRegistry,
    ignoreUnknownFields: true,
  });
}

/** Microseconds since the epoch: the unit of the stores' time columns. */
export function timestampMicros(timestamp: Timestamp | undefined): number {
  if (timestamp === undefined) return 0;
  return Number(timestamp.seconds) * 1_000_000 + Math.floor(timestamp.nanos / 1000);
}

/** A clock for server-set times; tests inject a fixed one. */
export type Clock = () => Timestamp;
export const systemClock: Clock = () => timestampFromMs(Date.now());
