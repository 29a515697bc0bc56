/**
 * @module policy/crds/test-fixtures
 *
 * Shared test data: the example manifests shipped in `deploy/crds/examples`
 * (with real keys: a PGP key exported with `gpg --export --armor` and an
 * ECDSA P-256 key from `openssl ec -pubout`), and helpers that build
 * one-field variations of them. Used only by tests.
 */
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { isJsonObject } from "./field-reader.js";
import type { JsonObject } from "./field-reader.js";

export const crdDirectory = fileURLToPath(new URL("../../../deploy/crds/", import.meta.url));
export const exampleDirectory = fileURLToPath(new URL("../../../deploy/crds/examples/", import.meta.url));

export function readYaml(path: string): JsonObject {
  const value: unknown = parse(readFileSync(path, "utf8"));
  if (!isJsonObject(value)) throw new Error(`${path} does not hold one YAML object`);
  return value;
}

export function exampleFiles(): string[] {
  return readdirSync(exampleDirectory)
    .filter((name) => name.endsWith(".yaml"))
    .sort();
}

export function example(name: string): JsonObject {
  return readYaml(`${exampleDirectory}${name}`);
}

/** `spec.publicKeys[1].keyType` → `["spec", "publicKeys", 1, "keyType"]`. */
function segments(path: string): (string | number)[] {
  return path
    .split(/\.|(?=\[)/)
    .map((part) => (part.startsWith("[") ? Number(part.slice(1, -1)) : part));
}

/** The value at a path, or undefined. */
export function valueAt(object: unknown, path: string): unknown {
  let node: unknown = object;
  for (const segment of segments(path)) {
    if (typeof segment === "number") node = Array.isArray(node) ? (node as unknown[])[segment] : undefined;
    else node = isJsonObject(node) ? node[segment] : undefined;
  }
  return node;
}

/**
 * A deep copy of `base` with the field at `path` set to `value`
 * (`undefined` deletes it).
 */
export function withField(base: JsonObject, path: string, value: unknown): JsonObject {
  const copy = structuredClone(base);
  const parts = segments(path);
  const last = parts.pop();
  let node: unknown = copy;
  for (const segment of parts) {
    node = typeof segment === "number" ? (node as unknown[])[segment] : (node as JsonObject)[segment];
  }
  if (typeof last === "number") (node as unknown[])[last] = value;
  else if (last !== undefined) {
    if (value === undefined) delete (node as JsonObject)[last];
    else (node as JsonObject)[last] = value;
  }
  return copy;
}

export const examplePgpKeyBase64 = (): string =>
  String(valueAt(example("attestation-authority.yaml"), "spec.publicKeys[0].asciiArmoredPgpPublicKey"));

export const examplePkixPem = (): string =>
  String(valueAt(example("attestation-authority.yaml"), "spec.publicKeys[1].pkixPublicKey.publicKeyPem"));
