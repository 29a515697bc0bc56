import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScribaError } from "../errors.js";
import type { FilterResource } from "./compiled-filter.js";
import type { Condition } from "./condition.js";
import { compileFilter, maxFilterLength } from "./index.js";
import { parseFilter } from "./parser.js";
import { resolveFilter } from "./resolver.js";

const resolve = (text: string, resource: FilterResource = "occurrence"): Condition =>
  resolveFilter(parseFilter(text), resource, text);

function errorOf(text: string, resource: FilterResource = "occurrence"): string {
  try {
    compileFilter(text, resource);
  } catch (error) {
    assert.ok(error instanceof ScribaError, `expected a ScribaError, got ${String(error)}`);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.deepEqual(error.violations.map((v) => v.field), ["filter"]);
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be refused`);
}

const column = (c: Condition) => (c.kind === "column" ? c.column : undefined);

describe("column vocabulary", () => {
  for (const [name, expected] of [
    ["resourceUri", "resource_uri"],
    ["resource_uri", "resource_uri"],
    ["resourceUrl", "resource_uri"],
    ["resource_url", "resource_uri"],
    ["noteName", "note_name"],
    ["note_name", "note_name"],
    ["noteProjectId", "note_project"],
    ["note_project_id", "note_project"],
    ["noteId", "note_id"],
    ["note_id", "note_id"],
    ["name", "name"],
  ] as const) {
    test(`occurrence filters read ${name} from the ${expected} column`, () => {
      assert.equal(column(resolve(`${name} = "x"`)), expected);
    });
  }

  for (const name of ["createTime", "create_time"]) {
    test(`occurrence filters read ${name} from the create_time column`, () => {
      assert.equal(column(resolve(`${name} > "2024-01-01T00:00:00Z"`)), "create_time");
    });
  }

  test("note filters read name, kind and the times from columns", () => {
    assert.equal(column(resolve(`name = "projects/p/notes/n"`, "note")), "name");
    assert.equal(column(resolve(`kind = BUILD`, "note")), "kind");
    assert.equal(column(resolve(`update_time < "2024-01-01T00:00:00Z"`, "note")), "update_time");
  });

  test("project filters read name from the name column", () => {
    assert.equal(column(resolve(`name = "projects/p"`, "project")), "name");
  });

  test("project filters accept no other name", () => {
    assert.equal(errorOf(`kind = BUILD`, "project"), 'invalid filter at column 1: unknown field "kind": projects can be filtered by name only');
  });

  test("note filters do not know the occurrence-only names", () => {
    assert.match(errorOf(`resourceUrl = "x"`, "note"), /^invalid filter at column 1: unknown field "resourceUrl": grafeas.v1.Note has no field "resourceUrl"$/);
  });

  test("a virtual column name has no sub-fields", () => {
    assert.equal(errorOf(`noteProjectId.x = 1`), 'invalid filter at column 15: noteProjectId is a string and has no field "x"');
  });
});

describe("JSON paths through the descriptors", () => {
  test("camelCase and snake_case names resolve to the same JSON path", () => {
    assert.deepEqual(resolve(`vulnerability.effective_severity = HIGH`), resolve(`vulnerability.effectiveSeverity = HIGH`));
    const condition = resolve(`vulnerability.effectiveSeverity = HIGH`);
    assert.equal(condition.kind, "json");
    if (condition.kind === "json") assert.deepEqual(condition.path, ["vulnerability", "effectiveSeverity"]);
  });

  test("a custom json_name is used in the path and the proto name is accepted too", () => {
    const byProtoName = resolve(`build.intoto_statement.type = x`);
    assert.deepEqual(byProtoName, resolve(`build.intotoStatement._type = x`));
    if (byProtoName.kind === "json") assert.deepEqual(byProtoName.path, ["build", "intotoStatement", "_type"]);
  });

  test("a path through a repeated message becomes an iteration step", () => {
    const condition = resolve(`vulnerability.packageIssue.fixAvailable = true`);
    assert.deepEqual(condition, {
      kind: "json",
      steps: [{ iterate: "elements", path: ["vulnerability", "packageIssue"] }],
      path: ["fixAvailable"],
      reading: { type: "bool" },
      test: { kind: "compare", op: "=", operand: { type: "bool", value: true } },
    });
  });

  test("a map key in the path becomes an entry step and may be quoted", () => {
    const condition = resolve(`build.provenance.buildOptions."a.b" = x`);
    assert.equal(condition.kind, "json");
    if (condition.kind === "json") {
      assert.deepEqual(condition.steps, [{ iterate: "entry", path: ["build", "provenance", "buildOptions"], key: "a.b" }]);
      assert.deepEqual(condition.path, []);
    }
  });

  test("steps nest through a list and then a map", () => {
    const condition = resolve(`build.intotoStatement.subject.digest.sha256 = abc`);
    assert.equal(condition.kind, "json");
    if (condition.kind === "json") {
      assert.deepEqual(condition.steps, [
        { iterate: "elements", path: ["build", "intotoStatement", "subject"] },
        { iterate: "entry", path: ["digest"], key: "sha256" },
      ]);
    }
  });

  test("a repeated scalar at the end is tested element by element", () => {
    const condition = resolve(`relatedNoteNames = "projects/p/notes/n"`, "note");
    assert.equal(condition.kind, "json");
    if (condition.kind === "json") {
      assert.deepEqual(condition.steps, [{ iterate: "elements", path: ["relatedNoteNames"] }]);
      assert.deepEqual(condition.test, { kind: "compare", op: "=", operand: { type: "string", value: "projects/p/notes/n" } });
    }
  });

  test("an unknown nested field names the message it is missing from", () => {
    assert.equal(
      errorOf(`kind = VULNERABILITY AND vulnerability.severty = HIGH`),
      'invalid filter at column 40: unknown field "vulnerability.severty": grafeas.v1.VulnerabilityOccurrence has no field "severty"',
    );
  });

  test("an unknown top-level field mentions the extra occurrence names", () => {
    assert.match(errorOf(`resource = "x"`), /^invalid filter at column 1: unknown field "resource": .*occurrences accept resourceUrl, noteProjectId and noteId\)$/);
  });

  test("a scalar has no sub-fields", () => {
    assert.equal(errorOf(`vulnerability.cvssScore.x = 1`), 'invalid filter at column 25: vulnerability.cvssScore is a float and has no field "x"');
  });

  test("a timestamp is a leaf", () => {
    assert.equal(errorOf(`createTime.seconds = 1`), 'invalid filter at column 12: createTime is a timestamp and has no field "seconds"');
  });

  test("a Struct cannot be looked into", () => {
    assert.match(errorOf(`build.intotoStatement.slsaProvenanceZeroTwo.buildConfig.x = 1`), /buildConfig is a message \(google.protobuf.Struct\) and has no field "x"/);
  });

  test("a repeated scalar has no sub-fields", () => {
    assert.match(errorOf(`deployment.resourceUri.x = 1`), /deployment.resourceUri is a repeated string and has no field "x"/);
  });
});

describe("value types", () => {
  test("enum values are accepted by name", () => {
    assert.deepEqual(testOf(`vulnerability.severity = HIGH`), { kind: "oneOf", names: ["HIGH"] });
  });

  test("enum values are accepted by number", () => {
    assert.deepEqual(testOf(`kind = 7`), { kind: "oneOf", names: ["ATTESTATION"] });
  });

  test("quoted enum names are accepted", () => {
    assert.deepEqual(testOf(`kind = "VULNERABILITY"`), { kind: "oneOf", names: ["VULNERABILITY"] });
  });

  for (const [legacy, current] of [
    ["PACKAGE_VULNERABILITY", "VULNERABILITY"],
    ["ATTESTATION_AUTHORITY", "ATTESTATION"],
    ["BUILD_DETAILS", "BUILD"],
    ["IMAGE_BASIS", "IMAGE"],
    ["PACKAGE_MANAGER", "PACKAGE"],
    ["DEPLOYABLE", "DEPLOYMENT"],
  ]) {
    test(`the v1beta1 kind ${legacy} means ${current}`, () => {
      assert.deepEqual(testOf(`kind = ${legacy}`), { kind: "oneOf", names: [current] });
    });
  }

  test("legacy kind names apply to NoteKind only", () => {
    assert.match(errorOf(`vulnerability.severity = PACKAGE_VULNERABILITY`), /^invalid filter at column 26: "PACKAGE_VULNERABILITY" is not a value of vulnerability.severity \(grafeas.v1.Severity\); expected one of SEVERITY_UNSPECIFIED, MINIMAL, LOW, MEDIUM, HIGH, CRITICAL, or its number$/);
  });

  test("enum aliases select every name of the value", () => {
    assert.deepEqual(testOf(`discovery.analysisStatus = COMPLETE`), { kind: "oneOf", names: ["FINISHED_SUCCESS", "COMPLETE"] });
  });

  test("enum orderings compare the numbers", () => {
    assert.deepEqual(testOf(`vulnerability.severity >= HIGH`), { kind: "oneOf", names: ["HIGH", "CRITICAL"] });
    assert.deepEqual(testOf(`vulnerability.severity < LOW`), { kind: "oneOf", names: ["SEVERITY_UNSPECIFIED", "MINIMAL"] });
  });

  test("enum names are case-sensitive and the error lists the valid names", () => {
    assert.match(errorOf(`kind = vulnerability`), /^invalid filter at column 8: "vulnerability" is not a value of kind \(grafeas.v1.NoteKind\); expected one of NOTE_KIND_UNSPECIFIED, VULNERABILITY, .* \(or the v1beta1 names PACKAGE_VULNERABILITY, .*\), or its number$/);
  });

  test("an enum number that is not a value is refused", () => {
    assert.match(errorOf(`kind = 99`), /"99" is not a value of kind/);
  });

  test("numbers compare as numbers", () => {
    assert.deepEqual(testOf(`vulnerability.cvssScore >= 7.5`), { kind: "compare", op: ">=", operand: { type: "number", value: 7.5 } });
  });

  test("int64 values keep their full precision", () => {
    assert.deepEqual(testOf(`build.intotoProvenance.recipe.definedInMaterial = 9007199254740993`), {
      kind: "compare",
      op: "=",
      operand: { type: "int64", value: 9007199254740993n },
    });
  });

  test("a float field refuses text", () => {
    assert.equal(errorOf(`vulnerability.cvssScore = high`), 'invalid filter at column 27: expected a finite number for vulnerability.cvssScore (a float), found "high"');
  });

  test("an int32 field refuses a fraction", () => {
    assert.equal(errorOf(`image.distance = 1.5`), 'invalid filter at column 18: expected an integer from -2147483648 to 2147483647 for image.distance (int32), found "1.5"');
  });

  test("an int32 field refuses a value out of range", () => {
    assert.match(errorOf(`image.distance = 3000000000`), /expected an integer from -2147483648 to 2147483647/);
  });

  test("a bool field takes true or false", () => {
    assert.deepEqual(testOf(`vulnerability.fixAvailable = false`), { kind: "compare", op: "=", operand: { type: "bool", value: false } });
    assert.equal(errorOf(`vulnerability.fixAvailable = yes`), 'invalid filter at column 30: expected true or false for vulnerability.fixAvailable (a bool), found "yes"');
  });

  test("a bool field cannot be ordered", () => {
    assert.equal(errorOf(`vulnerability.fixAvailable > false`), "invalid filter at column 28: vulnerability.fixAvailable is a bool; only =, != and : apply to it");
  });

  test("a message field takes only :*", () => {
    assert.equal(
      errorOf(`vulnerability = x`),
      "invalid filter at column 15: vulnerability is a message (grafeas.v1.VulnerabilityOccurrence); only vulnerability:* (is it set?) applies to it, or name one of its fields",
    );
  });

  test("a map takes :*, :key or a key path", () => {
    assert.match(errorOf(`build.provenance.buildOptions = x`), /build.provenance.buildOptions is a map; use build.provenance.buildOptions:\* \(non-empty\), build.provenance.buildOptions:KEY/);
  });
});

describe("timestamps", () => {
  test("an RFC 3339 value with an offset is compared at its UTC instant", () => {
    const condition = resolve(`createTime >= "2024-01-02T05:04:05.5+02:00"`);
    assert.deepEqual(condition.kind === "column" ? condition.test : undefined, {
      kind: "compare",
      op: ">=",
      operand: {
        type: "timestamp",
        value: { text: "2024-01-02T03:04:05.500000000", micros: 1704164645500000n },
      },
    });
  });

  test("nanoseconds are kept for JSON timestamps and floored for the microsecond columns", () => {
    const condition = resolve(`discovery.lastScanTime = "2024-01-02T03:04:05.123456789Z"`);
    const test = condition.kind === "json" ? condition.test : undefined;
    assert.deepEqual(test, {
      kind: "compare",
      op: "=",
      operand: {
        type: "timestamp",
        value: { text: "2024-01-02T03:04:05.123456789", micros: 1704164645123456n },
      },
    });
  });

  test("years before 100 are not mistaken for 19xx", () => {
    const condition = resolve(`createTime > "0050-03-01T00:00:00Z"`);
    const operand = condition.kind === "column" && condition.test.kind === "compare" ? condition.test.operand : undefined;
    assert.equal(operand?.type === "timestamp" ? operand.value.text : "", "0050-03-01T00:00:00.000000000");
  });

  for (const bad of ["yesterday", "2024-02-30T00:00:00Z", "2024-01-01 00:00:00", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00"]) {
    test(`${JSON.stringify(bad)} is not a timestamp`, () => {
      assert.match(errorOf(`createTime > "${bad}"`), /^invalid filter at column 14: expected an RFC 3339 timestamp such as "2024-01-02T03:04:05Z" for createTime, found /);
    });
  }

  test("a timestamp takes no wildcard", () => {
    assert.equal(errorOf(`createTime = "2024*"`), "invalid filter at column 14: wildcards (*) apply only to strings; createTime is a timestamp");
  });
});

describe("wildcards and the : operator", () => {
  test("a trailing star is a prefix match", () => {
    assert.deepEqual(testOf(`resourceUrl = "https://gcr.io/p/*"`), { kind: "match", mode: "prefix", text: "https://gcr.io/p/" });
  });

  test("a leading star is a suffix match", () => {
    assert.deepEqual(testOf(`name = "*/o1"`), { kind: "match", mode: "suffix", text: "/o1" });
  });

  test("stars on both ends make a contains match", () => {
    assert.deepEqual(testOf(`name = "*nginx*"`), { kind: "match", mode: "contains", text: "nginx" });
  });

  test("an escaped star is literal", () => {
    assert.deepEqual(testOf(String.raw`name = "a\*"`), { kind: "compare", op: "=", operand: { type: "string", value: "a*" } });
  });

  test("a star in the middle is refused", () => {
    assert.equal(errorOf(`name = "a*b"`), "invalid filter at column 8: a * wildcard may stand only at the start or end of a value; write \\* for a literal star");
  });

  test("wildcards do not apply to orderings", () => {
    assert.equal(errorOf(`name > "a*"`), "invalid filter at column 8: wildcards (*) apply only to =, != and :, not to >");
  });

  test("wildcards do not apply to enums", () => {
    assert.equal(errorOf(`kind = "VULN*"`), "invalid filter at column 8: wildcards (*) apply only to strings; kind is an enum (grafeas.v1.NoteKind)");
  });

  test(": on a singular string is a substring match", () => {
    assert.deepEqual(testOf(`resourceUrl:"gcr.io"`), { kind: "match", mode: "contains", text: "gcr.io" });
  });

  test(": on a repeated string is membership, with wildcards", () => {
    const condition = resolve(`deployment.resourceUri:"https://gcr.io/*"`);
    assert.deepEqual(condition.kind === "json" ? condition.test : undefined, { kind: "match", mode: "prefix", text: "https://gcr.io/" });
  });

  test(":* on a singular field asks for presence", () => {
    assert.deepEqual(testOf(`vulnerability.cvssScore:*`), { kind: "present" });
    assert.deepEqual(testOf(`resourceUri:*`), { kind: "present" });
  });

  test(":* on a repeated field asks for some element", () => {
    const condition = resolve(`vulnerability.packageIssue:*`);
    assert.deepEqual(condition, {
      kind: "json",
      steps: [{ iterate: "elements", path: ["vulnerability", "packageIssue"] }],
      path: [],
      reading: { type: "message" },
      test: { kind: "any" },
    });
  });

  test(":key on a map asks for the key", () => {
    const condition = resolve(`build.provenance.buildOptions:"k"`);
    assert.deepEqual(condition.kind === "json" ? condition.steps : undefined, [
      { iterate: "entry", path: ["build", "provenance", "buildOptions"], key: "k" },
    ]);
  });

  test(": on a number is equality", () => {
    assert.deepEqual(testOf(`vulnerability.cvssScore:7`), { kind: "compare", op: "=", operand: { type: "number", value: 7 } });
  });

  test("!= is the negation of =", () => {
    assert.deepEqual(resolve(`kind != BUILD`), { kind: "not", operand: resolve(`kind = BUILD`) });
  });
});

describe("compileFilter limits", () => {
  test("an empty or blank filter compiles to nothing", () => {
    assert.equal(compileFilter("", "occurrence"), undefined);
    assert.equal(compileFilter(" \t\n ", "occurrence"), undefined);
  });

  test(`a filter longer than ${maxFilterLength} characters is refused`, () => {
    const long = `name = "${"x".repeat(maxFilterLength)}"`;
    assert.equal(errorOf(long), `invalid filter: the filter is ${long.length} characters long; the maximum is ${maxFilterLength}`);
  });

  test(`a filter of exactly ${maxFilterLength} characters is accepted`, () => {
    const text = `name = "${"x".repeat(maxFilterLength - 9)}"`;
    assert.equal(text.length, maxFilterLength);
    assert.equal(compileFilter(text, "occurrence")?.text, text);
  });

  test("the compiled filter keeps the text and resource", () => {
    const filter = compileFilter(`  kind = BUILD `, "note");
    assert.equal(filter?.text, "  kind = BUILD ");
    assert.equal(filter?.resource, "note");
  });

  test("errors count columns in the original text, leading spaces included", () => {
    assert.match(errorOf(`   kind = NOPE`), /^invalid filter at column 11: /);
  });
});

function testOf(text: string) {
  const condition = resolve(text);
  if (condition.kind === "column" || condition.kind === "json") return condition.test;
  assert.fail(`expected a single restriction, got ${condition.kind}`);
}
