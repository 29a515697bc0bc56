import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Grafeas } from "../gen/grafeas/v1/grafeas_pb.js";
import { Projects } from "../gen/grafeas/v1/project_pb.js";
import { compileTemplate } from "./http-template.js";
import { httpBindingsOf } from "./http-rule.js";
import { RestRouter } from "./rest-router.js";
import type { Route } from "./rest-router.js";

const routes: Route<string>[] = [...Grafeas.methods, ...Projects.methods].flatMap((method) =>
  httpBindingsOf(method).map((binding) => ({
    httpMethod: binding.httpMethod,
    template: binding.template,
    target: method.name,
  })),
);
const router = new RestRouter(routes);

function route(httpMethod: string, path: string) {
  const match = router.match(httpMethod, path);
  if (match.kind !== "found") return match;
  const bindings = RestRouter.bindingsOf(match.route, match.path);
  return { rpc: match.route.target, ...Object.fromEntries(bindings.map((b) => [b.fieldPath.join("."), b.value])) };
}

describe("HTTP rules of the generated services", () => {
  test("every Grafeas RPC has a primary binding and one locations binding", () => {
    for (const method of Grafeas.methods) {
      const bindings = httpBindingsOf(method);
      assert.equal(bindings.length, 2, method.name);
      assert.match(bindings[1]!.template.source, /projects\/\*\/locations\/\*/, method.name);
      assert.equal(bindings[0]!.httpMethod, bindings[1]!.httpMethod, method.name);
      assert.equal(bindings[0]!.body, bindings[1]!.body, method.name);
    }
  });

  test("the Projects RPCs have one binding each", () => {
    assert.deepEqual(
      Projects.methods.map((m) => httpBindingsOf(m).map((b) => `${b.httpMethod} ${b.template.source} ${b.body}`)),
      [["POST /v1/projects project"], ["GET /v1/{name=projects/*} "], ["GET /v1/projects "], ["DELETE /v1/{name=projects/*} "]],
    );
  });

  test("two bindings of the same method and template are refused", () => {
    const template = compileTemplate("/v1/projects");
    assert.throws(
      () => new RestRouter([{ httpMethod: "GET", template, target: 1 }, { httpMethod: "GET", template, target: 2 }]),
      /bound twice/,
    );
  });
});

describe("routing every Grafeas and Projects rule", () => {
  const cases: [string, string, Record<string, string>][] = [
    ["GET", "/v1/projects/p/occurrences/o", { rpc: "GetOccurrence", name: "projects/p/occurrences/o" }],
    ["GET", "/v1/projects/p/locations/l/occurrences/o", { rpc: "GetOccurrence", name: "projects/p/locations/l/occurrences/o" }],
    ["GET", "/v1/projects/p/occurrences", { rpc: "ListOccurrences", parent: "projects/p" }],
    ["GET", "/v1/projects/p/locations/l/occurrences", { rpc: "ListOccurrences", parent: "projects/p/locations/l" }],
    ["DELETE", "/v1/projects/p/occurrences/o", { rpc: "DeleteOccurrence", name: "projects/p/occurrences/o" }],
    ["DELETE", "/v1/projects/p/locations/l/occurrences/o", { rpc: "DeleteOccurrence", name: "projects/p/locations/l/occurrences/o" }],
    ["POST", "/v1/projects/p/occurrences", { rpc: "CreateOccurrence", parent: "projects/p" }],
    ["POST", "/v1/projects/p/locations/l/occurrences", { rpc: "CreateOccurrence", parent: "projects/p/locations/l" }],
    ["POST", "/v1/projects/p/occurrences:batchCreate", { rpc: "BatchCreateOccurrences", parent: "projects/p" }],
    ["POST", "/v1/projects/p/locations/l/occurrences:batchCreate", { rpc: "BatchCreateOccurrences", parent: "projects/p/locations/l" }],
    ["PATCH", "/v1/projects/p/occurrences/o", { rpc: "UpdateOccurrence", name: "projects/p/occurrences/o" }],
    ["PATCH", "/v1/projects/p/locations/l/occurrences/o", { rpc: "UpdateOccurrence", name: "projects/p/locations/l/occurrences/o" }],
    ["GET", "/v1/projects/p/occurrences/o/notes", { rpc: "GetOccurrenceNote", name: "projects/p/occurrences/o" }],
    ["GET", "/v1/projects/p/locations/l/occurrences/o/notes", { rpc: "GetOccurrenceNote", name: "projects/p/locations/l/occurrences/o" }],
    ["GET", "/v1/projects/p/notes/n", { rpc: "GetNote", name: "projects/p/notes/n" }],
    ["GET", "/v1/projects/p/locations/l/notes/n", { rpc: "GetNote", name: "projects/p/locations/l/notes/n" }],
    ["GET", "/v1/projects/p/notes", { rpc: "ListNotes", parent: "projects/p" }],
    ["GET", "/v1/projects/p/locations/l/notes", { rpc: "ListNotes", parent: "projects/p/locations/l" }],
    ["DELETE", "/v1/projects/p/notes/n", { rpc: "DeleteNote", name: "projects/p/notes/n" }],
    ["DELETE", "/v1/projects/p/locations/l/notes/n", { rpc: "DeleteNote", name: "projects/p/locations/l/notes/n" }],
    ["POST", "/v1/projects/p/notes", { rpc: "CreateNote", parent: "projects/p" }],
    ["POST", "/v1/projects/p/locations/l/notes", { rpc: "CreateNote", parent: "projects/p/locations/l" }],
    ["POST", "/v1/projects/p/notes:batchCreate", { rpc: "BatchCreateNotes", parent: "projects/p" }],
    ["POST", "/v1/projects/p/locations/l/notes:batchCreate", { rpc: "BatchCreateNotes", parent: "projects/p/locations/l" }],
    ["PATCH", "/v1/projects/p/notes/n", { rpc: "UpdateNote", name: "projects/p/notes/n" }],
    ["PATCH", "/v1/projects/p/locations/l/notes/n", { rpc: "UpdateNote", name: "projects/p/locations/l/notes/n" }],
    ["GET", "/v1/projects/p/notes/n/occurrences", { rpc: "ListNoteOccurrences", name: "projects/p/notes/n" }],
    ["GET", "/v1/projects/p/locations/l/notes/n/occurrences", { rpc: "ListNoteOccurrences", name: "projects/p/locations/l/notes/n" }],
    ["POST", "/v1/projects", { rpc: "CreateProject" }],
    ["GET", "/v1/projects/p", { rpc: "GetProject", name: "projects/p" }],
    ["GET", "/v1/projects", { rpc: "ListProjects" }],
    ["DELETE", "/v1/projects/p", { rpc: "DeleteProject", name: "projects/p" }],
  ];
  for (const [httpMethod, path, expected] of cases) {
    test(`${httpMethod} ${path} is ${expected.rpc}`, () => {
      assert.deepEqual(route(httpMethod, path), expected);
    });
  }
});

describe("disambiguation and misses", () => {
  test("GET /v1/projects, /v1/projects/p and /v1/projects/p/notes are three different RPCs", () => {
    assert.deepEqual(
      ["/v1/projects", "/v1/projects/p", "/v1/projects/p/notes"].map((path) => (route("GET", path) as { rpc: string }).rpc),
      ["ListProjects", "GetProject", "ListNotes"],
    );
  });

  test("a project called like a collection is still a project", () => {
    assert.deepEqual(route("GET", "/v1/projects/notes"), { rpc: "GetProject", name: "projects/notes" });
    assert.deepEqual(route("GET", "/v1/projects/locations/notes"), { rpc: "ListNotes", parent: "projects/locations" });
  });

  test("a note ID with colons is a GetNote, not a custom verb", () => {
    assert.deepEqual(route("GET", "/v1/projects/p/notes/CVE:2024:1"), { rpc: "GetNote", name: "projects/p/notes/CVE:2024:1" });
  });

  test("an unknown verb on a collection matches nothing", () => {
    assert.deepEqual(route("POST", "/v1/projects/p/notes:batchDelete"), { kind: "not-found" });
  });

  test("an unknown path is not found", () => {
    assert.deepEqual(route("GET", "/v1/projects/p/things"), { kind: "not-found" });
    assert.deepEqual(route("GET", "/v2/projects"), { kind: "not-found" });
    assert.deepEqual(route("GET", "/v1/projects/p/notes/"), { kind: "not-found" });
  });

  test("a known path with another method lists the allowed methods", () => {
    assert.deepEqual(route("PUT", "/v1/projects/p/notes/n"), { kind: "method-not-allowed", allow: ["DELETE", "GET", "PATCH"] });
    assert.deepEqual(route("DELETE", "/v1/projects"), { kind: "method-not-allowed", allow: ["GET", "POST"] });
  });
});
