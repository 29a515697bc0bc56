import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileFilter } from "./index.js";
import { compareCodePoints } from "./predicate-compiler.js";

const matches = (text: string, data: unknown) => {
  const filter = compileFilter(text, "occurrence");
  assert.ok(filter !== undefined);
  return filter.matches(data);
};

describe("compareCodePoints", () => {
  test("orders characters above U+FFFF after U+E000–U+FFFF, unlike UTF-16 order", () => {
    assert.ok(compareCodePoints("\u{1F600}", "\uFF5E") > 0);
    assert.ok("\u{1F600}" < "\uFF5E");
  });

  test("orders by code point below the surrogates and by length on a tie", () => {
    assert.ok(compareCodePoints("B", "a") < 0);
    assert.ok(compareCodePoints("ab", "a") > 0);
    assert.equal(compareCodePoints("é", "é"), 0);
  });
});

describe("matches", () => {
  test("a map key never reaches inherited properties", () => {
    const data = { build: { provenance: { buildOptions: {} } } };
    assert.equal(matches(`build.provenance.buildOptions:constructor`, data), false);
    assert.equal(matches(`build.provenance.buildOptions:"__proto__"`, data), false);
  });

  test("a stored NaN equals nothing, not even through !=", () => {
    const data = { vulnerability: { cvssScore: "NaN" } };
    assert.equal(matches(`vulnerability.cvssScore = 0`, data), false);
    assert.equal(matches(`vulnerability.cvssScore != 0`, data), true);
    assert.equal(matches(`vulnerability.cvssScore < 100`, data), false);
  });

  test("a stored Infinity is larger than every number", () => {
    assert.equal(matches(`vulnerability.cvssScore > 1e300`, { vulnerability: { cvssScore: "Infinity" } }), true);
  });

  test("noteProjectId and noteId are read from noteName", () => {
    const data = { noteName: "projects/goog-analysis/notes/PACKAGE_VULNERABILITY" };
    assert.equal(matches(`noteProjectId = "goog-analysis" AND noteId = PACKAGE_VULNERABILITY`, data), true);
  });

  test("a malformed noteName gives empty halves", () => {
    assert.equal(matches(`noteProjectId = ""`, { noteName: "garbage" }), true);
  });

  test("anything that is not an object matches as an empty object", () => {
    assert.equal(matches(`kind = NOTE_KIND_UNSPECIFIED AND name = ""`, null), true);
    assert.equal(matches(`vulnerability.packageIssue:*`, "text"), false);
  });
});
