/**
 * @module wire/rest-router
 *
 * Finds the route for an HTTP method and path among compiled templates.
 * Routes are grouped by HTTP method and ordered so that templates with more
 * literal segments are tried first; when nothing matches, the router says
 * whether another method would have (405 with Allow) or not (404).
 */
import { splitPath, templateBindings, templateMatches } from "./http-template.js";
import type { CompiledTemplate, SplitPath } from "./http-template.js";

export interface Route<Target> {
  readonly httpMethod: string;
  readonly template: CompiledTemplate;
  readonly target: Target;
}

export interface PathBinding {
  readonly fieldPath: readonly string[];
  readonly value: string;
}

export type RouteMatch<Target> =
  | { readonly kind: "found"; readonly route: Route<Target>; readonly path: SplitPath }
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

const notFound = { kind: "not-found" } as const;

export class RestRouter<Target> {
  readonly #byMethod = new Map<string, Route<Target>[]>();

  constructor(routes: Iterable<Route<Target>>) {
    for (const route of routes) {
      const list = this.#byMethod.get(route.httpMethod) ?? [];
      const clash = list.find((other) => other.template.source === route.template.source);
      if (clash) throw new Error(`${route.httpMethod} ${route.template.source} is bound twice`);
      list.push(route);
      this.#byMethod.set(route.httpMethod, list);
    }
    for (const list of this.#byMethod.values()) {
      list.sort((a, b) => b.template.literalCount - a.template.literalCount);
    }
  }

  /** The route for `httpMethod` and `path` (the request target without its query string). */
  match(httpMethod: string, path: string): RouteMatch<Target> {
    const split = splitPath(path);
    if (split === undefined) return notFound;
    const routes = this.#byMethod.get(httpMethod);
    if (routes !== undefined) {
      for (const route of routes) {
        if (templateMatches(route.template, split)) return { kind: "found", route, path: split };
      }
    }
    const allow: string[] = [];
    for (const [method, others] of this.#byMethod) {
      if (method !== httpMethod && others.some((route) => templateMatches(route.template, split))) {
        allow.push(method);
      }
    }
    return allow.length > 0 ? { kind: "method-not-allowed", allow: allow.sort() } : notFound;
  }

  /** The percent-decoded variable values of a found route (throws URIError on bad escapes). */
  static bindingsOf(route: Route<unknown>, path: SplitPath): PathBinding[] {
    return templateBindings(route.template, path);
  }
}
