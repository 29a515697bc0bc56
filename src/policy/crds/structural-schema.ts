/**
 * @module policy/crds/structural-schema
 *
 * A small checker for the subset of Kubernetes structural OpenAPI v3 schemas
 * that the CustomResourceDefinitions in `deploy/crds` use, so that the
 * manifests and the hand-written parsers can be held to the same examples
 * without a Kubernetes API server.
 *
 * Supported keywords: `type` (object, array, string, boolean, integer,
 * number), `properties`, `items`, `required`, `enum`, `pattern`, `minLength`,
 * `maxLength`, `minItems`, `default`, `description`, and `oneOf` branches that
 * carry only value validations (here `required`), as structural schemas
 * demand. Anything else is reported by {@link structuralSchemaProblems}
 * rather than silently ignored. An object node without `properties` accepts
 * any fields (the API server treats `metadata` that way); elsewhere unknown
 * fields are reported, as strict field validation (`kubectl --validate=strict`)
 * does instead of pruning them.
 */
import type { FieldViolation } from "../../errors.js";
import { fieldPath, isJsonObject } from "./field-reader.js";
import type { JsonObject } from "./field-reader.js";

const nodeKeywords = new Set([
  "type",
  "properties",
  "items",
  "required",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minItems",
  "default",
  "description",
  "oneOf",
]);
// Structural schemas allow only value validations inside logical junctors.
const junctorKeywords = new Set(["required", "enum", "pattern", "minLength", "maxLength", "minItems"]);
const types = new Set(["object", "array", "string", "boolean", "integer", "number"]);

/** Why a schema is not structural (or uses keywords this checker does not know); empty when it is fine. */
export function structuralSchemaProblems(schema: unknown, path = "openAPIV3Schema"): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, at: string) => {
    if (!isJsonObject(node)) {
      problems.push(`${at}: must be an object`);
      return;
    }
    for (const key of Object.keys(node)) {
      if (!nodeKeywords.has(key)) problems.push(`${at}: keyword ${key} is not supported by this checker`);
    }
    const type = node["type"];
    if (typeof type !== "string" || !types.has(type)) {
      problems.push(`${at}: every node needs a type (object, array, string, boolean, integer or number)`);
    }
    if (type === "array" && node["items"] === undefined) problems.push(`${at}: an array needs items`);
    if (type !== "object" && node["properties"] !== undefined) problems.push(`${at}: properties on a non-object`);
    if (type !== "array" && node["items"] !== undefined) problems.push(`${at}: items on a non-array`);
    const properties = node["properties"];
    if (properties !== undefined) {
      if (!isJsonObject(properties)) problems.push(`${at}.properties: must be an object`);
      else for (const [name, child] of Object.entries(properties)) visit(child, `${at}.properties.${name}`);
    }
    const required = node["required"];
    if (required !== undefined) {
      if (!Array.isArray(required)) problems.push(`${at}.required: must be a list`);
      else
        for (const name of required as unknown[]) {
          if (typeof name !== "string" || !isJsonObject(properties) || !(name in properties)) {
            problems.push(`${at}.required: ${String(name)} is not a declared property`);
          }
        }
    }
    if (node["items"] !== undefined) visit(node["items"], `${at}.items`);
    const oneOf = node["oneOf"];
    if (oneOf !== undefined) {
      if (!Array.isArray(oneOf)) problems.push(`${at}.oneOf: must be a list`);
      else
        (oneOf as unknown[]).forEach((branch, index) => {
          if (!isJsonObject(branch)) {
            problems.push(`${at}.oneOf[${index}]: must be an object`);
            return;
          }
          for (const key of Object.keys(branch)) {
            if (!junctorKeywords.has(key)) {
              problems.push(`${at}.oneOf[${index}]: ${key} is not allowed in a junctor of a structural schema`);
            }
          }
          const branchRequired = branch["required"];
          if (Array.isArray(branchRequired)) {
            for (const name of branchRequired as unknown[]) {
              if (typeof name !== "string" || !isJsonObject(properties) || !(name in properties)) {
                problems.push(`${at}.oneOf[${index}].required: ${String(name)} is not a declared property`);
              }
            }
          }
        });
    }
    const pattern = node["pattern"];
    if (pattern !== undefined) {
      try {
        if (typeof pattern !== "string") throw new TypeError("not a string");
        new RegExp(pattern, "u");
      } catch {
        problems.push(`${at}.pattern: not a valid regular expression`);
      }
    }
    if (node["default"] !== undefined) {
      for (const violation of validateAgainstSchema(node["default"], node)) {
        problems.push(`${at}.default: ${violation.field}: ${violation.description}`);
      }
    }
  };
  visit(schema, path);
  return problems;
}

function typeMatches(value: unknown, type: unknown): boolean {
  switch (type) {
    case "object":
      return isJsonObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    default:
      return false;
  }
}

/** A copy of `value` with the schema's defaults applied, top-down, as the API server does. */
export function applySchemaDefaults(value: unknown, schema: JsonObject): unknown {
  if (isJsonObject(value) && isJsonObject(schema["properties"])) {
    const result: JsonObject = { ...value };
    for (const [name, child] of Object.entries(schema["properties"])) {
      if (!isJsonObject(child)) continue;
      if (result[name] === undefined && child["default"] !== undefined) {
        result[name] = structuredClone(child["default"]);
      }
      if (result[name] !== undefined) result[name] = applySchemaDefaults(result[name], child);
    }
    return result;
  }
  if (Array.isArray(value) && isJsonObject(schema["items"])) {
    const items = schema["items"];
    return value.map((item: unknown) => applySchemaDefaults(item, items));
  }
  return value;
}

/** Every way `value` breaks the schema, with field paths (`spec.publicKeys[0].keyType`). */
export function validateAgainstSchema(value: unknown, schema: JsonObject, path = ""): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const at = path === "" ? "(root)" : path;
  const fail = (description: string) => violations.push({ field: at, description });
  if (!typeMatches(value, schema["type"])) {
    fail(`must be of type ${String(schema["type"])}`);
    return violations;
  }
  const allowed = schema["enum"];
  if (Array.isArray(allowed) && !allowed.includes(value)) {
    fail(`unsupported value ${JSON.stringify(value)}; supported values: ${allowed.map(String).join(", ")}`);
  }
  if (typeof value === "string") {
    const minLength = schema["minLength"];
    const maxLength = schema["maxLength"];
    if (typeof minLength === "number" && value.length < minLength) fail(`must be at least ${minLength} characters`);
    if (typeof maxLength === "number" && value.length > maxLength) fail(`must be at most ${maxLength} characters`);
    const pattern = schema["pattern"];
    if (typeof pattern === "string" && !new RegExp(pattern, "u").test(value)) {
      fail(`must match ${pattern}`);
    }
  }
  if (Array.isArray(value)) {
    const minItems = schema["minItems"];
    if (typeof minItems === "number" && value.length < minItems) fail(`must have at least ${minItems} items`);
    const items = schema["items"];
    if (isJsonObject(items)) {
      value.forEach((item: unknown, index) => violations.push(...validateAgainstSchema(item, items, fieldPath(path, index))));
    }
  }
  if (isJsonObject(value)) {
    const properties = schema["properties"];
    const required = Array.isArray(schema["required"]) ? (schema["required"] as unknown[]) : [];
    for (const name of required) {
      if (typeof name === "string" && (value[name] === undefined || value[name] === null)) {
        violations.push({ field: fieldPath(path, name), description: "required" });
      }
    }
    if (isJsonObject(properties)) {
      for (const [name, child] of Object.entries(value)) {
        const childSchema = properties[name];
        if (!isJsonObject(childSchema)) {
          violations.push({ field: fieldPath(path, name), description: "unknown field" });
        } else if (child !== undefined && child !== null) {
          violations.push(...validateAgainstSchema(child, childSchema, fieldPath(path, name)));
        }
      }
    }
    const oneOf = schema["oneOf"];
    if (Array.isArray(oneOf)) {
      const passing = (oneOf as unknown[]).filter(
        (branch) => isJsonObject(branch) && validateAgainstSchema(value, { ...branch, type: "object" }, path).length === 0,
      ).length;
      if (passing !== 1) fail(`must match exactly one of the oneOf alternatives (matches ${passing})`);
    }
  }
  return violations;
}
