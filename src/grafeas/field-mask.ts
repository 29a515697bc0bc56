/**
 * @module grafeas/field-mask
 *
 * Update semantics (AIP-134), which upstream Grafeas never implemented
 * (grafeas/grafeas#312):
 * - With an `update_mask`, only the listed fields change. Each path names a
 *   field by proto name or JSON name (`short_description` or
 *   `shortDescription`), nested with dots (`vulnerability.cvss_score`). A listed
 *   field that the request leaves unset is cleared. Lists and maps are replaced
 *   whole; paths cannot reach inside them.
 * - Without a mask (or with `*`), the request replaces every mutable field.
 * - Output-only fields (`name`, `kind`, `createTime`, `updateTime`) are never
 *   taken from the request, masked or not.
 * - Immutable fields may be repeated with their current value or left out;
 *   a different value is INVALID_ARGUMENT. The details type (and so `kind`)
 *   can never change.
 */
import { clone, create, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { invalidArgument } from "../errors.js";

export interface UpdateRules {
  /** Top-level JSON field names the server sets. */
  readonly outputOnly: readonly string[];
  /** Top-level JSON field names fixed at creation. */
  readonly immutable: readonly string[];
}

type Fields = Record<string, unknown>;

function findField(schema: DescMessage, segment: string): DescField | undefined {
  return schema.fields.find(
    (f) => f.name === segment || f.jsonName === segment || f.localName === segment,
  );
}

function getValue(message: Fields, field: DescField): unknown {
  if (field.oneof !== undefined) {
    const holder = message[field.oneof.localName] as { case?: string; value?: unknown };
    return holder.case === field.localName ? holder.value : undefined;
  }
  return message[field.localName];
}

function setValue(message: Fields, field: DescField, value: unknown): void {
  if (field.oneof !== undefined) {
    const holder = message[field.oneof.localName] as { case?: string };
    if (value === undefined) {
      if (holder.case === field.localName) message[field.oneof.localName] = { case: undefined };
    } else {
      message[field.oneof.localName] = { case: field.localName, value };
    }
    return;
  }
  if (value === undefined) {
    // Unset in the request: reset to the field's zero value.
    const zero = create(field.parent) as unknown as Fields;
    message[field.localName] = zero[field.localName];
  } else {
    message[field.localName] = value;
  }
}

function valuesEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ===
    JSON.stringify(b, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Resolves a mask path to its field chain, or throws INVALID_ARGUMENT naming the path. */
function resolvePath(schema: DescMessage, path: string): DescField[] {
  const chain: DescField[] = [];
  let current: DescMessage | undefined = schema;
  for (const segment of path.split(".")) {
    if (current === undefined) {
      throw invalidArgument(`update_mask path ${JSON.stringify(path)} reaches inside a list, map or scalar field`);
    }
    const field = findField(current, segment);
    if (field === undefined) {
      throw invalidArgument(`update_mask path ${JSON.stringify(path)}: ${current.typeName} has no field ${JSON.stringify(segment)}`);
    }
    chain.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return chain;
}

/**
 * Returns `current` updated from `request` under `paths` (empty or `["*"]` = full
 * replace). Neither input is modified.
 */
export function applyUpdate<T extends Message>(
  schema: DescMessage,
  current: T,
  request: T,
  paths: readonly string[],
  rules: UpdateRules,
): T {
  const fullReplace = paths.length === 0 || (paths.length === 1 && paths[0] === "*");
  const result = clone(schema, fullReplace ? request : current) as unknown as Fields;
  const existing = current as unknown as Fields;
  const incoming = request as unknown as Fields;

  const topLevel = (jsonName: string) => schema.fields.find((f) => f.jsonName === jsonName);
  if (fullReplace) {
    for (const jsonName of rules.outputOnly) {
      const field = topLevel(jsonName);
      if (field) setValue(result, field, getValue(existing, field));
    }
    for (const jsonName of rules.immutable) {
      const field = topLevel(jsonName);
      if (!field) continue;
      const mine = getValue(incoming, field);
      const theirs = getValue(existing, field);
      if (mine === undefined || mine === "" || valuesEqual(mine, theirs)) {
        setValue(result, field, theirs);
      } else {
        throw invalidArgument(`${jsonName} is immutable and cannot be changed by an update`);
      }
    }
    return result as unknown as T;
  }

  for (const path of paths) {
    const chain = resolvePath(schema, path);
    const head = chain[0]!;
    if (rules.outputOnly.includes(head.jsonName)) continue;
    if (rules.immutable.includes(head.jsonName)) {
      if (!valuesEqual(getValue(incoming, head), getValue(existing, head))) {
        throw invalidArgument(`${head.jsonName} is immutable and cannot be changed by an update`);
      }
      continue;
    }
    let target: Fields = result;
    let source: Fields | undefined = incoming;
    for (const field of chain.slice(0, -1)) {
      let next = getValue(target, field) as Fields | undefined;
      if (next === undefined) {
        next = create(field.message!);
        setValue(target, field, next);
      }
      target = next;
      source = source === undefined ? undefined : (getValue(source, field) as Fields | undefined);
    }
    const leaf = chain[chain.length - 1]!;
    setValue(target, leaf, source === undefined ? undefined : getValue(source, leaf));
  }
  return result as unknown as T;
}
