/**
 * @module kube/api-failure
 *
 * Turns failures of Kubernetes API calls (client-node's `ApiException`, a
 * watch's HTTP status, a refused connection) into a status code and a short
 * message fit for logs and errors: the Status `message` the server sent, with
 * a hint for the usual causes (a missing CRD, missing RBAC). Never the request
 * headers, so never a token.
 */
import { ApiException } from "@kubernetes/client-node";
import type { ApiResource } from "./kritis-resources.js";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The HTTP status of a failed request or watch, when there was one. */
export function httpStatusOfFailure(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  if (isObject(error) && typeof error["statusCode"] === "number") return error["statusCode"];
  return undefined;
}

/** `imagesecuritypolicies.kritis.grafeas.io`, `pods`. */
export function resourceName(resource: ApiResource): string {
  return resource.group === "" ? resource.plural : `${resource.plural}.${resource.group}`;
}

/** A short, secret-free description of a failure; `action` (`list and watch`, `patch`) words the permission hint. */
export function describeFailure(error: unknown, resource: ApiResource, action: string): string {
  const status = httpStatusOfFailure(error);
  let detail = error instanceof Error ? (error.message.split("\n", 1)[0] ?? "") : String(error);
  if (error instanceof ApiException) {
    let body: unknown = error.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // Not a Status object; the status code says enough.
      }
    }
    detail = isObject(body) && typeof body["message"] === "string" ? body["message"] : `HTTP ${error.code}`;
  }
  const name = resourceName(resource);
  if (status === 404 && resource.group !== "") return `${detail} (is the ${name} CustomResourceDefinition installed?)`;
  if (status === 401 || status === 403) return `${detail} (HTTP ${status}: may this identity ${action} ${name}?)`;
  return status === undefined ? detail : `${detail} (HTTP ${status})`;
}
