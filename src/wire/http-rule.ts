/**
 * @module wire/http-rule
 *
 * Reads the `google.api.http` annotation of an RPC method into the REST
 * bindings it declares: the primary rule plus its `additional_bindings`
 * (Grafeas declares a `projects/*\/locations/*` twin for every RPC).
 */
import { getOption } from "@bufbuild/protobuf";
import type { DescMethod } from "@bufbuild/protobuf";
import { http } from "../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../gen/google/api/http_pb.js";
import { compileTemplate } from "./http-template.js";
import type { CompiledTemplate } from "./http-template.js";

export interface HttpBinding {
  /** Upper-case HTTP method: GET, POST, PATCH, DELETE, PUT, or a custom one. */
  readonly httpMethod: string;
  readonly template: CompiledTemplate;
  /** `""` (no body), `"*"` (the body is the request) or a request field path (`"note"`). */
  readonly body: string;
  /** The request field the whole response is taken from; `""` for the response itself. */
  readonly responseBody: string;
}

function bindingOf(rule: HttpRule, method: DescMethod): HttpBinding | undefined {
  const pattern = rule.pattern;
  let httpMethod: string;
  let path: string;
  switch (pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      httpMethod = pattern.case.toUpperCase();
      path = pattern.value;
      break;
    case "custom":
      httpMethod = pattern.value.kind.toUpperCase();
      path = pattern.value.path;
      break;
    default:
      return undefined;
  }
  try {
    return { httpMethod, template: compileTemplate(path), body: rule.body, responseBody: rule.responseBody };
  } catch (error) {
    throw new Error(`${method.parent.typeName}.${method.name}: ${(error as Error).message}`);
  }
}

/** Every REST binding of `method`, primary first; empty when it has no `google.api.http` option. */
export function httpBindingsOf(method: DescMethod): HttpBinding[] {
  const rule = getOption(method, http);
  const bindings: HttpBinding[] = [];
  // Per google/api/http.proto, additional bindings do not nest further.
  for (const candidate of [rule, ...rule.additionalBindings]) {
    const binding = bindingOf(candidate, method);
    if (binding) bindings.push(binding);
  }
  return bindings;
}
