/**
 * @module wire/rest-request-decoder
 *
 * Builds an RPC's request message from the three places a transcoded REST
 * request carries it (google.api.http semantics): path variables, the body
 * (`body: "*"` is the whole request, `body: "note"` is one field), and query
 * parameters for every field that neither of those binds.
 *
 * An empty body, `null` and `""` all leave the body unset (google-gax sends
 * `""` when the body field is empty).
 *
 * Everything is first assembled into one proto3 JSON object and decoded with a
 * single `fromJson`, so REST requests get exactly the JSON mapping (camelCase
 * or proto names, integer or named enums, RFC 3339 times) that protobuf-es
 * implements. (A request with no body whose values all go to plain top-level
 * fields skips `fromJson`; see plainScalarTypes.) Decisions:
 * - unknown body fields are INVALID_ARGUMENT naming the field (grpc-gateway's
 *   default; the official client only sends known fields);
 * - query parameters may use camelCase or snake_case names, dots for nested
 *   fields, and repetition for repeated fields; a FieldMask parameter
 *   (`updateMask`) is a comma-separated list whose paths may be camelCase or
 *   snake_case and is stored as proto snake_case paths;
 * - unknown query parameters are INVALID_ARGUMENT naming every one of them;
 * - `$alt`/`alt` (`json`, optionally `;enum-encoding=int`) chooses the reply
 *   encoding; `$prettyPrint`, `prettyPrint`, `$fields` and `fields` are
 *   accepted and ignored (replies are always compact and complete).
 */
import { create, fromJson, ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage, DescMethod, JsonObject, JsonValue, Message } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import { invalidArgument } from "../errors.js";
import type { FieldViolation, ScribaError } from "../errors.js";
import { fieldMaskTypeName, fieldNamed, jsonValueFromText, toProtoFieldName } from "./field-text-value.js";
import type { TextSource } from "./field-text-value.js";
import type { HttpBinding } from "./http-rule.js";
import type { QueryPair } from "./query-string.js";
import type { PathBinding } from "./rest-router.js";

export interface RestRequestParts {
  readonly pathBindings: readonly PathBinding[];
  readonly query: readonly QueryPair[];
  /** The body text; ignored (and need not be read) when the binding has no body. */
  readonly body: string;
}

export interface DecodedRestRequest {
  readonly message: Message;
  /** `$alt=json;enum-encoding=int` was asked for. */
  readonly enumAsInteger: boolean;
}

export interface RestRequestDecoder {
  /** Whether the binding takes a body (`body` is non-empty). */
  readonly readsBody: boolean;
  decode(parts: RestRequestParts): DecodedRestRequest;
}

const ignoredSystemParameters = new Set(["$prettyPrint", "prettyPrint", "$fields", "fields"]);
const altParameters = new Set(["$alt", "alt"]);
const noQueryBinding = { enumAsInteger: false, plain: true } as const;

/** Resolves `a.b.c` to its field chain in `message`; throws if a step is missing or not a singular message. */
function resolveConfiguredPath(message: DescMessage, path: readonly string[], what: string): DescField[] {
  const chain: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const name of path) {
    const field: DescField | undefined = current === undefined ? undefined : fieldNamed(current, name);
    if (field === undefined) throw new Error(`${what} names "${path.join(".")}", which ${message.typeName} lacks`);
    chain.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return chain;
}

/** The object at `chain` (all but the last field) inside `root`, created as needed. */
function objectAt(root: JsonObject, chain: readonly DescField[], name: string): JsonObject {
  let object = root;
  for (let i = 0; i < chain.length - 1; i++) {
    const field = chain[i]!;
    let next = object[field.jsonName] ?? object[field.name];
    if (next === undefined || next === null) {
      next = {};
    } else if (typeof next !== "object" || Array.isArray(next)) {
      throw invalidArgument(`"${name}" sets a field inside "${field.jsonName}", which is not an object`);
    }
    if (field.name !== field.jsonName && field.name in object) delete object[field.name];
    object[field.jsonName] = next;
    object = next;
  }
  return object;
}

function setAt(root: JsonObject, chain: readonly DescField[], value: JsonValue, name: string): void {
  const object = objectAt(root, chain, name);
  const leaf = chain[chain.length - 1]!;
  // The body may use the proto name; the bound value replaces it rather than clashing with it.
  if (leaf.name !== leaf.jsonName && leaf.name in object) delete object[leaf.name];
  object[leaf.jsonName] = value;
}

function parseAlt(value: string): boolean {
  // What google-gax sends on every call, and the plain form.
  if (value === "json;enum-encoding=int") return true;
  if (value === "json") return false;
  const [format = "", ...options] = value.split(";");
  if (format.trim().toLowerCase() !== "json") {
    throw invalidArgument(`$alt=${value} is not supported; use json`, [
      { field: "$alt", description: "only json is supported" },
    ]);
  }
  let enumAsInteger = false;
  for (const option of options) {
    const [key = "", setting = ""] = option.split("=").map((part) => part.trim().toLowerCase());
    if (key === "enum-encoding" && (setting === "int" || setting === "string")) {
      enumAsInteger = setting === "int";
    } else {
      throw invalidArgument(`$alt option "${option}" is not supported`, [
        { field: "$alt", description: "supported: enum-encoding=int|string" },
      ]);
    }
  }
  return enumAsInteger;
}

/**
 * The body as JSON; null when there is none. An empty body, `null` and `""`
 * all mean "not set": google-gax sends `""` when the body field is empty.
 */
function parseJsonBody(text: string): JsonValue {
  if (text.trim() === "") return null;
  try {
    const parsed = JSON.parse(text) as JsonValue;
    return parsed === "" ? null : parsed;
  } catch (error) {
    throw invalidArgument(`the request body is not valid JSON: ${(error as Error).message}`, [
      { field: "body", description: "is not valid JSON" },
    ]);
  }
}

/** A `fromJson` failure as the client's mistake, naming the offending key when protobuf-es does. */
function bodyDecodingError(error: unknown): ScribaError {
  const detail = error instanceof Error ? error.message : String(error);
  const unknownKey = /key "([^"]+)" is unknown/.exec(detail)?.[1];
  const violation: FieldViolation = unknownKey
    ? { field: unknownKey, description: "is not a field of the request" }
    : { field: "body", description: detail };
  return invalidArgument(`invalid request: ${detail}`, [violation]);
}

interface QueryField {
  readonly chain: readonly DescField[];
  readonly leaf: DescField;
  /** The proto names of the chain joined by dots (`update_mask`, `package.version.epoch`). */
  readonly protoPath: string;
  /** A top-level plain field (see plainFieldKinds): may skip fromJson. */
  readonly plain: boolean;
}

/**
 * Scalar types whose JSON value, as jsonValueFromText makes it, is already the
 * protobuf-es value (a string, a 32-bit number, a boolean). A request bound
 * only to such top-level fields — every GET of a resource and most lists — is
 * built with `create()` and plain assignment instead of `fromJson`, which costs
 * about ten times as much on the REST hot path.
 */
const plainScalarTypes = new Set<ScalarType>([
  ScalarType.STRING,
  ScalarType.BOOL,
  ScalarType.INT32,
  ScalarType.SINT32,
  ScalarType.SFIXED32,
  ScalarType.UINT32,
  ScalarType.FIXED32,
]);

function isPlainTopLevel(chain: readonly DescField[]): boolean {
  const field = chain[0];
  return (
    chain.length === 1 && field?.fieldKind === "scalar" && field.oneof === undefined && plainScalarTypes.has(field.scalar)
  );
}

interface FieldMaskBinding {
  readonly target: QueryField;
  readonly paths: string[];
}

function createDecoder(method: DescMethod, binding: HttpBinding): RestRequestDecoder {
  const input = method.input;
  const where = `${method.parent.typeName}.${method.name} ${binding.httpMethod} ${binding.template.source}`;
  const pathChains = binding.template.variables.map((variable) => {
    const chain = resolveConfiguredPath(input, variable.fieldPath, `${where}: a path variable`);
    const leaf = chain[chain.length - 1]!;
    if (leaf.fieldKind !== "scalar" && leaf.fieldKind !== "enum") {
      throw new Error(`${where}: path variable ${variable.fieldPath.join(".")} is not a scalar field`);
    }
    return chain;
  });
  const pathNames = binding.template.variables.map((variable) => variable.fieldPath.join("."));
  const pathIsPlain = pathChains.every(isPlainTopLevel);
  const wholeBody = binding.body === "*";
  const bodyChain =
    binding.body === "" || wholeBody ? undefined : resolveConfiguredPath(input, binding.body.split("."), `${where}: body`);
  if (binding.responseBody !== "") throw new Error(`${where}: response_body is not supported`);

  // Proto-name paths that query parameters may not set: bound by the path or inside the body field.
  const boundPaths = pathChains.map((chain) => chain.map((field) => field.name).join("."));
  const bodyPath = bodyChain?.map((field) => field.name).join(".");
  const boundBy = (protoPath: string): "body" | "path" | undefined => {
    if (wholeBody) return "body";
    if (bodyPath !== undefined && (protoPath === bodyPath || protoPath.startsWith(`${bodyPath}.`))) return "body";
    return boundPaths.includes(protoPath) ? "path" : undefined;
  };

  const queryFields = new Map<string, QueryField | null>();
  const queryFieldNamed = (name: string): QueryField | null => {
    let known = queryFields.get(name);
    if (known !== undefined) return known;
    known = null;
    const chain: DescField[] = [];
    let current: DescMessage | undefined = input;
    for (const part of name.split(".")) {
      const field: DescField | undefined = current === undefined ? undefined : fieldNamed(current, part);
      if (field === undefined) {
        chain.length = 0;
        break;
      }
      chain.push(field);
      current = field.fieldKind === "message" && field.message.typeName !== fieldMaskTypeName ? field.message : undefined;
    }
    if (chain.length > 0) {
      known = {
        chain,
        leaf: chain[chain.length - 1]!,
        protoPath: chain.map((field) => field.name).join("."),
        plain: isPlainTopLevel(chain),
      };
    }
    // Bounded: only names that resolve are remembered, and there are finitely many of those.
    if (known !== null) queryFields.set(name, known);
    return known;
  };

  /** Binds `query` into `init`; returns whether it asked for integer enums and whether it bound only plain fields. */
  function bindQuery(
    init: JsonObject,
    query: readonly QueryPair[],
    masks: Map<string, FieldMaskBinding>,
  ): { enumAsInteger: boolean; plain: boolean } {
    let enumAsInteger = false;
    let plain = true;
    let unknown: string[] | undefined;
    let seen: Set<string> | undefined;
    for (const [name, value] of query) {
      // No field name starts with "$", so these skip the field lookup.
      const target = name.charCodeAt(0) === 36 /* $ */ ? null : queryFieldNamed(name);
      if (target === null) {
        if (altParameters.has(name)) enumAsInteger = parseAlt(value);
        else if (!ignoredSystemParameters.has(name)) (unknown ??= []).push(name);
        continue;
      }
      const protoPath = target.protoPath;
      plain &&= target.plain;
      const binder = boundBy(protoPath);
      if (binder !== undefined) {
        throw invalidArgument(`query parameter "${name}" sets a field that the ${binder} already binds`, [
          { field: name, description: `is bound by the ${binder}` },
        ]);
      }
      const leaf = target.leaf;
      if (leaf.fieldKind === "message" && leaf.message.typeName === fieldMaskTypeName) {
        // Keyed by proto path: `updateMask` and `update_mask` add to one mask.
        let mask = masks.get(protoPath);
        if (mask === undefined) {
          mask = { target, paths: [] };
          masks.set(protoPath, mask);
        }
        for (const path of value.split(",")) {
          const trimmed = path.trim();
          if (trimmed !== "") mask.paths.push(trimmed.split(".").map(toProtoFieldName).join("."));
        }
        continue;
      }
      const source: TextSource = { kind: "query parameter", name };
      const json = jsonValueFromText(leaf, value, source);
      if (leaf.fieldKind === "list") {
        const object = objectAt(init, target.chain, name);
        const list = object[leaf.jsonName];
        if (Array.isArray(list)) list.push(json);
        else object[leaf.jsonName] = [json];
        continue;
      }
      seen ??= new Set();
      if (seen.has(protoPath)) {
        throw invalidArgument(`query parameter "${name}" is given more than once`, [
          { field: name, description: "is not repeated; give it once" },
        ]);
      }
      seen.add(protoPath);
      setAt(init, target.chain, json, name);
    }
    if (unknown !== undefined) {
      throw invalidArgument(
        `unknown query parameter${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`,
        unknown.map((name) => ({ field: name, description: "is not a parameter of this method" })),
      );
    }
    return { enumAsInteger, plain };
  }

  function applyMasks(message: Message, masks: Map<string, FieldMaskBinding>): void {
    for (const { target, paths } of masks.values()) {
      // Through the reflect API, so a mask inside a oneof member lands in the right place.
      let object = reflect(input, message);
      for (let i = 0; i < target.chain.length - 1; i++) {
        const field = target.chain[i]!;
        if (field.fieldKind !== "message") break;
        const child = object.isSet(field) ? object.get(field) : reflect(field.message);
        object.set(field, child);
        object = child;
      }
      object.set(target.leaf, reflect(FieldMaskSchema, create(FieldMaskSchema, { paths })));
    }
  }

  return {
    readsBody: binding.body !== "",
    decode(parts: RestRequestParts): DecodedRestRequest {
      let init: JsonObject = {};
      const body = bodyChain !== undefined || wholeBody ? parseJsonBody(parts.body) : null;
      if (wholeBody && body !== null) {
        if (typeof body !== "object" || Array.isArray(body)) {
          throw invalidArgument(`the request body must be a JSON object`, [
            { field: "body", description: "must be a JSON object" },
          ]);
        }
        init = body;
      } else if (bodyChain !== undefined && body !== null) {
        setAt(init, bodyChain, body, binding.body);
      }
      for (let i = 0; i < parts.pathBindings.length; i++) {
        const chain = pathChains[i]!;
        const name = pathNames[i]!;
        const value = jsonValueFromText(chain[chain.length - 1]!, parts.pathBindings[i]!.value, { kind: "path variable", name });
        setAt(init, chain, value, name);
      }
      const masks = new Map<string, FieldMaskBinding>();
      const query = parts.query.length === 0 ? noQueryBinding : bindQuery(init, parts.query, masks);
      let message: Message;
      if (body === null && pathIsPlain && query.plain && masks.size === 0) {
        message = create(input);
        const fields = message as unknown as Record<string, unknown>;
        for (const key in init) fields[fieldNamed(input, key)!.localName] = init[key];
      } else {
        try {
          message = fromJson(input, init);
        } catch (error) {
          throw bodyDecodingError(error);
        }
      }
      if (masks.size > 0) applyMasks(message, masks);
      return { message, enumAsInteger: query.enumAsInteger };
    },
  };
}

/** A decoder for requests to `method` that arrived through `binding`. Throws if the annotation is inconsistent. */
export function createRestRequestDecoder(method: DescMethod, binding: HttpBinding): RestRequestDecoder {
  return createDecoder(method, binding);
}
