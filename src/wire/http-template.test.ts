import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { compileTemplate, splitPath, templateBindings, templateMatches } from "./http-template.js";

function bind(template: string, path: string) {
  const compiled = compileTemplate(template);
  const split = splitPath(path);
  assert.ok(split);
  if (!templateMatches(compiled, split)) return undefined;
  return Object.fromEntries(templateBindings(compiled, split).map((b) => [b.fieldPath.join("."), b.value]));
}

describe("compileTemplate", () => {
  test("a variable with a sub-template covers its segments", () => {
    const t = compileTemplate("/v1/{name=projects/*/notes/*}");
    assert.deepEqual(t.segments, ["v1", "projects", "*", "notes", "*"]);
    assert.deepEqual(t.variables, [{ fieldPath: ["name"], start: 1, end: 5 }]);
    assert.equal(t.verb, undefined);
    assert.equal(t.literalCount, 3);
  });

  test("a custom verb after a variable and a literal is split off", () => {
    const t = compileTemplate("/v1/{parent=projects/*}/notes:batchCreate");
    assert.deepEqual(t.segments, ["v1", "projects", "*", "notes"]);
    assert.equal(t.verb, "batchCreate");
  });

  test("a verb right after a variable is split off", () => {
    assert.equal(compileTemplate("/v1/{name=projects/*}:undelete").verb, "undelete");
  });

  test("a literal path has no variables", () => {
    const t = compileTemplate("/v1/projects");
    assert.deepEqual(t.segments, ["v1", "projects"]);
    assert.deepEqual(t.variables, []);
  });

  test("a bare variable matches one segment and may name a nested field", () => {
    const t = compileTemplate("/v1/things/{thing.id}");
    assert.deepEqual(t.segments, ["v1", "things", "*"]);
    assert.deepEqual(t.variables, [{ fieldPath: ["thing", "id"], start: 2, end: 3 }]);
  });

  test("templates outside the grammar are refused", () => {
    for (const bad of ["v1/projects", "/v1/{name=projects/*", "/v1/**/x", "/v1/{na-me}", "/v1//x", "/v1/a b"]) {
      assert.throws(() => compileTemplate(bad), /invalid HTTP path template/, bad);
    }
  });
});

describe("template matching", () => {
  test("binds the whole resource name covered by a variable", () => {
    assert.deepEqual(bind("/v1/{name=projects/*/notes/*}", "/v1/projects/p/notes/n"), {
      name: "projects/p/notes/n",
    });
  });

  test("a literal must match exactly", () => {
    assert.equal(bind("/v1/{name=projects/*/notes/*}", "/v1/projects/p/occurrences/n"), undefined);
  });

  test("the segment count must match", () => {
    assert.equal(bind("/v1/{name=projects/*}", "/v1/projects/p/notes"), undefined);
    assert.equal(bind("/v1/{name=projects/*}", "/v1/projects"), undefined);
  });

  test("a wildcard does not match an empty segment", () => {
    assert.equal(bind("/v1/{name=projects/*}", "/v1/projects/"), undefined);
  });

  test("a custom verb is required by a template that declares one", () => {
    assert.deepEqual(bind("/v1/{parent=projects/*}/notes:batchCreate", "/v1/projects/p/notes:batchCreate"), {
      parent: "projects/p",
    });
    assert.equal(bind("/v1/{parent=projects/*}/notes:batchCreate", "/v1/projects/p/notes"), undefined);
    assert.equal(bind("/v1/{parent=projects/*}/notes:batchCreate", "/v1/projects/p/notes:other"), undefined);
  });

  test("a template without a verb keeps colons that belong to an ID", () => {
    assert.deepEqual(bind("/v1/{name=projects/*/notes/*}", "/v1/projects/p/notes/CVE:2024:1"), {
      name: "projects/p/notes/CVE:2024:1",
    });
  });

  test("a template with a verb binds the segment before the verb", () => {
    assert.deepEqual(bind("/v1/{name=projects/*/notes/*}:run", "/v1/projects/p/notes/a:b:run"), {
      name: "projects/p/notes/a:b",
    });
  });

  test("percent-escapes in single-segment captures are decoded", () => {
    assert.deepEqual(bind("/v1/{name=projects/*/notes/*}", "/v1/projects/p/notes/a%20b%3Ac"), {
      name: "projects/p/notes/a b:c",
    });
  });

  test("a ** capture takes the rest of the path and keeps escaped slashes", () => {
    assert.deepEqual(bind("/v1/{path=files/**}", "/v1/files/a/b%2Fc/d%20e"), { path: "files/a/b%2Fc/d e" });
    assert.deepEqual(bind("/v1/{path=files/**}", "/v1/files"), { path: "files" });
  });

  test("a malformed percent-escape throws when binding", () => {
    const t = compileTemplate("/v1/{name=projects/*}");
    const split = splitPath("/v1/projects/%zz")!;
    assert.ok(templateMatches(t, split));
    assert.throws(() => templateBindings(t, split), URIError);
  });

  test("a path that does not start with a slash is not split", () => {
    assert.equal(splitPath("v1/projects"), undefined);
    assert.equal(splitPath("*"), undefined);
  });
});
