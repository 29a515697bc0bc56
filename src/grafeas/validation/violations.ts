/**
 * @module grafeas/validation/violations
 *
 * Collects every problem of one request instead of stopping at the first, so a
 * client fixes its request in one round trip. Fields are named by their proto3
 * JSON path (`vulnerability.packageIssue[0].affectedPackage`), the spelling REST
 * clients send.
 */
import type { FieldViolation } from "../../errors.js";

export class Violations {
  readonly list: FieldViolation[];
  readonly #prefix: string;

  constructor(prefix = "", list: FieldViolation[] = []) {
    this.#prefix = prefix;
    this.list = list;
  }

  /** A collector whose fields are named under `path` (`vulnerability.`, `packageIssue[2].`). */
  at(path: string): Violations {
    return new Violations(`${this.#prefix}${path}`, this.list);
  }

  add(field: string, description: string): void {
    this.list.push({ field: `${this.#prefix}${field}`, description });
  }

  /** Adds "is required" when `value` is empty: "", 0-length list, or undefined. */
  require(field: string, value: unknown): void {
    const empty =
      value === undefined ||
      value === "" ||
      (Array.isArray(value) && value.length === 0) ||
      (value instanceof Uint8Array && value.length === 0);
    if (empty) this.add(field, "is required");
  }

  /** Checks each element of a list with `check`, naming it `field[i]`. */
  each<T>(field: string, items: readonly T[], check: (item: T, v: Violations) => void): void {
    items.forEach((item, i) => check(item, this.at(`${field}[${i}].`)));
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}
