/**
 * @module policy/crds/field-reader
 *
 * Reads an untyped Kubernetes object field by field and collects every
 * problem with its path (`spec.publicKeys[1].pkixPublicKey.publicKeyPem:
 * required`), instead of stopping at the first one: a user fixing a policy
 * should see all of its mistakes at once.
 *
 * JSON `null` (and an empty YAML value) counts as absent, as it does for the
 * Kubernetes API server. Unknown fields are errors: the API server prunes them
 * silently (or rejects them under strict field validation), and a silently
 * dropped field is how a Kritis user writing the documented
 * `packageVulnerabilityPolicy` ended up with no thresholds at all.
 */
import type { FieldViolation } from "../../errors.js";

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `a.b` / `a[0]`, with the empty path as the root. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

/** Returns a description of what is wrong with a value, or undefined when it is fine. */
export type ValueCheck<T> = (value: T) => string | undefined;

const typeName = (value: unknown) =>
  Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value}`;

export class FieldReader {
  readonly violations: FieldViolation[] = [];

  get ok(): boolean {
    return this.violations.length === 0;
  }

  problem(field: string, description: string): undefined {
    this.violations.push({ field, description });
    return undefined;
  }

  private absent(value: unknown, path: string, required: boolean): boolean {
    if (value !== undefined && value !== null) return false;
    if (required) this.problem(path, "required");
    return true;
  }

  object(value: unknown, path: string, required: boolean): JsonObject | undefined {
    if (this.absent(value, path, required)) return undefined;
    if (!isJsonObject(value)) return this.problem(path, `must be an object, not ${typeName(value)}`);
    return value;
  }

  /** A string; an empty string counts as absent, since no field here gives "" a meaning. */
  string(
    value: unknown,
    path: string,
    required: boolean,
    check?: ValueCheck<string>,
  ): string | undefined {
    if (this.absent(value, path, required)) return undefined;
    if (typeof value !== "string") return this.problem(path, `must be a string, not ${typeName(value)}`);
    if (value.length === 0) {
      return required ? this.problem(path, "required (it is empty)") : undefined;
    }
    const why = check?.(value);
    return why === undefined ? value : this.problem(path, why);
  }

  boolean(value: unknown, path: string): boolean | undefined {
    if (this.absent(value, path, false)) return undefined;
    if (typeof value !== "boolean") return this.problem(path, `must be true or false, not ${typeName(value)}`);
    return value;
  }

  /** One of a closed set of strings; undefined when absent (the caller applies the default). */
  choice<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    const text = this.string(value, path, false);
    if (text === undefined) return undefined;
    if ((allowed as readonly string[]).includes(text)) return text as T;
    return this.problem(path, `must be one of ${allowed.join(", ")}; got ${JSON.stringify(text)}`);
  }

  list(value: unknown, path: string, required: boolean, minItems = 0): unknown[] | undefined {
    if (this.absent(value, path, required)) return undefined;
    if (!Array.isArray(value)) return this.problem(path, `must be a list, not ${typeName(value)}`);
    const items: unknown[] = value;
    if (items.length < minItems) {
      return this.problem(path, minItems === 1 ? "must not be empty" : `needs at least ${minItems} items`);
    }
    return items;
  }

  /** A list of non-empty strings, each checked, with duplicates reported. */
  stringList(
    value: unknown,
    path: string,
    required: boolean,
    options: { minItems?: number; check?: ValueCheck<string> } = {},
  ): string[] | undefined {
    const items = this.list(value, path, required, options.minItems);
    if (items === undefined) return undefined;
    const result: string[] = [];
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const text = this.string(item, fieldPath(path, index), true, options.check);
      if (text === undefined) return;
      if (seen.has(text)) {
        this.problem(fieldPath(path, index), `duplicate entry ${JSON.stringify(text)}`);
        return;
      }
      seen.add(text);
      result.push(text);
    });
    return result;
  }

  /**
   * Reports every field of `object` that is not in `known`, with a hint for
   * the spellings people are known to use by mistake.
   */
  knownFields(
    object: JsonObject,
    path: string,
    known: readonly string[],
    hints: Readonly<Record<string, string>> = {},
  ): void {
    for (const key of Object.keys(object)) {
      if (known.includes(key)) continue;
      const hint = hints[key];
      this.problem(
        fieldPath(path, key),
        hint === undefined
          ? `unknown field (expected one of ${known.join(", ")})`
          : `unknown field; did you mean ${hint}?`,
      );
    }
  }
}
