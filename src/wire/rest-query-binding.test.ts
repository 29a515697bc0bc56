import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { toJson } from "@bufbuild/protobuf";
import type { DescMethod, JsonObject } from "@bufbuild/protobuf";
import { ScribaError } from "../errors.js";
import { Grafeas, NoteSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import type { ListOccurrencesRequest, Note, UpdateNoteRequest } from "../gen/grafeas/v1/grafeas_pb.js";
import { compileTemplate, splitPath, templateBindings } from "./http-template.js";
import { httpBindingsOf } from "./http-rule.js";
import type { HttpBinding } from "./http-rule.js";
import { parseQueryString } from "./query-string.js";
import { createRestRequestDecoder } from "./rest-request-decoder.js";

function decode(method: DescMethod, binding: HttpBinding, path: string, query: string, body = "") {
  const decoder = createRestRequestDecoder(method, binding);
  const bindings = templateBindings(binding.template, splitPath(path)!);
  return decoder.decode({ pathBindings: bindings, query: parseQueryString(query), body });
}

const listOccurrences = (query: string) => {
  const method = Grafeas.method.listOccurrences;
  const result = decode(method, httpBindingsOf(method)[0]!, "/v1/projects/p/occurrences", query);
  return { request: result.message as ListOccurrencesRequest, enumAsInteger: result.enumAsInteger };
};

const updateNote = (query: string) => {
  const method = Grafeas.method.updateNote;
  return decode(method, httpBindingsOf(method)[0]!, "/v1/projects/p/notes/n", query, "{}").message as UpdateNoteRequest;
};

/** A method whose request is a whole Note: its fields cover enums, repeated, nested, bool, bytes and times. */
const noteAsRequest = { ...Grafeas.method.getNote, input: NoteSchema } as DescMethod;
const noteBinding: HttpBinding = {
  httpMethod: "GET",
  template: compileTemplate("/v1/{name=projects/*/notes/*}"),
  body: "",
  responseBody: "",
};
const noteFromQuery = (query: string) =>
  toJson(NoteSchema, decode(noteAsRequest, noteBinding, "/v1/projects/p/notes/n", query).message as Note) as JsonObject;

function rejects(run: () => unknown, pattern: RegExp, field?: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ScribaError);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.match(error.message, pattern);
    if (field !== undefined) assert.ok(error.violations.some((v) => v.field === field), JSON.stringify(error.violations));
    return true;
  });
}

describe("query parameter names", () => {
  test("camelCase names bind their fields", () => {
    const { request } = listOccurrences("pageSize=5&pageToken=t1&filter=kind%3D%22VULNERABILITY%22");
    assert.equal(request.parent, "projects/p");
    assert.equal(request.pageSize, 5);
    assert.equal(request.pageToken, "t1");
    assert.equal(request.filter, 'kind="VULNERABILITY"');
  });

  test("snake_case names bind the same fields", () => {
    const { request } = listOccurrences("page_size=7&page_token=t2");
    assert.equal(request.pageSize, 7);
    assert.equal(request.pageToken, "t2");
  });

  test("a plus sign in a value is a space", () => {
    assert.equal(listOccurrences("filter=a+b").request.filter, "a b");
  });

  test("dotted names bind nested fields", () => {
    assert.deepEqual(noteFromQuery("package.version.epoch=2&package.version.inclusive=true&kind=PACKAGE"), {
      name: "projects/p/notes/n",
      kind: "PACKAGE",
      package: { version: { epoch: 2, inclusive: true } },
    });
  });

  test("a repeated field binds every repetition, under either name", () => {
    assert.deepEqual(noteFromQuery("relatedNoteNames=a&related_note_names=b").relatedNoteNames, ["a", "b"]);
  });

  test("unknown parameters are refused, all of them named", () => {
    rejects(() => listOccurrences("pageSize=1&foo=1&bar.baz=2"), /unknown query parameters: foo, bar\.baz/, "bar.baz");
  });

  test("a non-repeated parameter given twice is refused", () => {
    rejects(() => listOccurrences("pageSize=1&page_size=2"), /more than once/, "page_size");
  });

  test("a parameter for a field bound by the path is refused", () => {
    rejects(() => listOccurrences("parent=projects/q"), /path already binds/, "parent");
  });

  test("a parameter for a field inside the body field is refused", () => {
    rejects(() => updateNote("note.shortDescription=x"), /body already binds/, "note.shortDescription");
  });

  test("a parameter naming a message field is refused", () => {
    rejects(() => noteFromQuery("vulnerability=x"), /message field/, "vulnerability");
  });

  test("a malformed percent-escape is refused", () => {
    rejects(() => listOccurrences("filter=%E0%A4%A"), /malformed percent-escape/);
  });
});

describe("query parameter values", () => {
  test("an integer that is not a number is refused, naming the parameter", () => {
    rejects(() => listOccurrences("pageSize=abc"), /query parameter "pageSize" must be a 32-bit integer, got "abc"/, "pageSize");
  });

  test("an integer out of range is refused", () => {
    rejects(() => listOccurrences("pageSize=2147483648"), /32-bit integer/, "pageSize");
    rejects(() => listOccurrences("pageSize=1.5"), /32-bit integer/, "pageSize");
  });

  test("enums are accepted by name and by number", () => {
    assert.equal(noteFromQuery("kind=ATTESTATION").kind, "ATTESTATION");
    assert.equal(noteFromQuery("kind=7").kind, "ATTESTATION");
  });

  test("an unknown enum name is refused", () => {
    rejects(() => noteFromQuery("kind=NOPE"), /a NoteKind value/, "kind");
  });

  test("booleans accept true/false and 1/0 and refuse anything else", () => {
    for (const text of ["true", "TRUE", "1"]) {
      assert.deepEqual(noteFromQuery(`package.version.inclusive=${text}`).package, { version: { inclusive: true } }, text);
    }
    for (const text of ["false", "False", "0"]) {
      // false is the default, so proto3 JSON omits it; the nested message is still set.
      assert.deepEqual(noteFromQuery(`package.version.inclusive=${text}`).package, { version: {} }, text);
    }
    rejects(() => noteFromQuery("package.version.inclusive=yes"), /true or false/, "package.version.inclusive");
  });

  test("floats are parsed and non-numbers refused", () => {
    assert.deepEqual(noteFromQuery("vulnerability.cvss_score=9.25").vulnerability, { cvssScore: 9.25 });
    rejects(() => noteFromQuery("vulnerability.cvssScore=high"), /a number/, "vulnerability.cvssScore");
  });

  test("timestamps are RFC 3339 text", () => {
    assert.equal(noteFromQuery("expirationTime=2024-01-02T03:04:05Z").expirationTime, "2024-01-02T03:04:05Z");
    rejects(() => noteFromQuery("expirationTime=yesterday"), /RFC 3339/, "expirationTime");
  });

  test("bytes are base64 text", () => {
    assert.deepEqual(noteFromQuery("compliance.scanInstructions=aGk%3D"), {
      name: "projects/p/notes/n",
      compliance: { scanInstructions: "aGk=" },
    });
    rejects(() => noteFromQuery("compliance.scanInstructions=not*base64"), /base64/);
  });
});

describe("system parameters", () => {
  test("$alt=json;enum-encoding=int asks for integer enums", () => {
    assert.equal(listOccurrences("$alt=json%3Benum-encoding=int").enumAsInteger, true);
  });

  test("$alt=json and no $alt ask for enum names", () => {
    assert.equal(listOccurrences("$alt=json").enumAsInteger, false);
    assert.equal(listOccurrences("pageSize=1").enumAsInteger, false);
    assert.equal(listOccurrences("alt=json;enum-encoding=string").enumAsInteger, false);
  });

  test("$alt values other than json are refused", () => {
    rejects(() => listOccurrences("$alt=proto"), /not supported/, "$alt");
    rejects(() => listOccurrences("$alt=json;compact=yes"), /not supported/, "$alt");
  });

  test("prettyPrint and fields are accepted and ignored", () => {
    const { request } = listOccurrences("$prettyPrint=0&prettyPrint=true&$fields=notes&fields=x&pageSize=2");
    assert.equal(request.pageSize, 2);
  });
});

describe("updateMask", () => {
  test("a comma-separated mask becomes proto snake_case paths", () => {
    assert.deepEqual(updateNote("updateMask=shortDescription,related_url,vulnerability.cvssScore").updateMask?.paths, [
      "short_description",
      "related_url",
      "vulnerability.cvss_score",
    ]);
  });

  test("the snake_case parameter name and repetitions are accepted", () => {
    assert.deepEqual(updateNote("update_mask=long_description&updateMask=kind").updateMask?.paths, ["long_description", "kind"]);
  });

  test("an empty mask is an empty FieldMask", () => {
    assert.deepEqual(updateNote("updateMask=").updateMask?.paths, []);
  });

  test("no mask leaves the field unset", () => {
    assert.equal(updateNote("").updateMask, undefined);
  });
});
