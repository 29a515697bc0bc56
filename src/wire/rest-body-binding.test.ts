import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { DescMethod } from "@bufbuild/protobuf";
import { ScribaError } from "../errors.js";
import { NoteKind } from "../gen/grafeas/v1/common_pb.js";
import { Grafeas } from "../gen/grafeas/v1/grafeas_pb.js";
import type {
  BatchCreateNotesRequest,
  BatchCreateOccurrencesRequest,
  CreateNoteRequest,
  GetNoteRequest,
} from "../gen/grafeas/v1/grafeas_pb.js";
import { splitPath, templateBindings } from "./http-template.js";
import { httpBindingsOf } from "./http-rule.js";
import { parseQueryString } from "./query-string.js";
import { createRestRequestDecoder } from "./rest-request-decoder.js";

function decode(method: DescMethod, path: string, query: string, body: string) {
  const binding = httpBindingsOf(method)[0]!;
  const decoder = createRestRequestDecoder(method, binding);
  const pathBindings = templateBindings(binding.template, splitPath(path)!);
  return decoder.decode({ pathBindings, query: parseQueryString(query), body }).message;
}

const createNote = (body: string, query = "noteId=n1") =>
  decode(Grafeas.method.createNote, "/v1/projects/p/notes", query, body) as CreateNoteRequest;
const batchCreateNotes = (body: string) =>
  decode(Grafeas.method.batchCreateNotes, "/v1/projects/p/notes:batchCreate", "", body) as BatchCreateNotesRequest;

function rejects(run: () => unknown, pattern: RegExp, field?: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ScribaError);
    assert.equal(error.code, "INVALID_ARGUMENT");
    assert.match(error.message, pattern);
    if (field !== undefined) assert.ok(error.violations.some((v) => v.field === field), JSON.stringify(error.violations));
    return true;
  });
}

describe("body: a request field (body: \"note\")", () => {
  test("the body is the note; the path gives parent and the query gives noteId", () => {
    const request = createNote('{"shortDescription":"x","kind":"ATTESTATION"}');
    assert.equal(request.parent, "projects/p");
    assert.equal(request.noteId, "n1");
    assert.equal(request.note?.shortDescription, "x");
    assert.equal(request.note?.kind, NoteKind.ATTESTATION);
  });

  test("integer enums are accepted, as google-gax sends them", () => {
    assert.equal(createNote('{"kind":7}').note?.kind, NoteKind.ATTESTATION);
  });

  test("proto field names are accepted as well as JSON names", () => {
    assert.equal(createNote('{"short_description":"x"}').note?.shortDescription, "x");
  });

  test("an unknown field is refused, naming it", () => {
    rejects(() => createNote('{"shortDescription":"x","colour":"red"}'), /key "colour" is unknown/, "colour");
  });

  test("a value of the wrong type is refused", () => {
    rejects(() => createNote('{"kind":"NOT_A_KIND"}'), /invalid request/);
    rejects(() => createNote('{"relatedUrl":"not a list"}'), /invalid request/);
  });

  test("text that is not JSON is refused", () => {
    rejects(() => createNote('{"shortDescription":'), /not valid JSON/, "body");
  });

  test("an empty body, null and the empty string google-gax sends leave the note unset", () => {
    for (const body of ["", "  ", "null", '""']) {
      assert.equal(createNote(body).note, undefined, JSON.stringify(body));
    }
  });
});

describe("body: the whole request (body: \"*\")", () => {
  test("the body is the request and the path adds parent", () => {
    const request = batchCreateNotes('{"notes":{"a":{"kind":2},"b":{"shortDescription":"y"}}}');
    assert.equal(request.parent, "projects/p");
    assert.deepEqual(Object.keys(request.notes).sort(), ["a", "b"]);
    assert.equal(request.notes["b"]?.shortDescription, "y");
  });

  test("the path wins over a parent in the body, under either field name", () => {
    assert.equal(batchCreateNotes('{"parent":"projects/other"}').parent, "projects/p");
    const occurrences = decode(
      Grafeas.method.batchCreateOccurrences,
      "/v1/projects/p/occurrences:batchCreate",
      "",
      '{"parent":"projects/other","occurrences":[{"noteName":"projects/p/notes/n"}]}',
    ) as BatchCreateOccurrencesRequest;
    assert.equal(occurrences.parent, "projects/p");
    assert.equal(occurrences.occurrences[0]?.noteName, "projects/p/notes/n");
  });

  test("a body that is not an object is refused", () => {
    rejects(() => batchCreateNotes("[1,2]"), /must be a JSON object/, "body");
    rejects(() => batchCreateNotes("42"), /must be a JSON object/, "body");
  });

  test("query parameters other than system ones are refused", () => {
    assert.throws(
      () => decode(Grafeas.method.batchCreateNotes, "/v1/projects/p/notes:batchCreate", "notes=x", "{}"),
      /body already binds/,
    );
    const request = decode(Grafeas.method.batchCreateNotes, "/v1/projects/p/notes:batchCreate", "$alt=json", "{}");
    assert.equal((request as BatchCreateNotesRequest).parent, "projects/p");
  });
});

describe("no body (GET, DELETE)", () => {
  test("a decoder for a rule without a body does not read one", () => {
    const method = Grafeas.method.getNote;
    assert.equal(createRestRequestDecoder(method, httpBindingsOf(method)[0]!).readsBody, false);
    const create = Grafeas.method.createNote;
    assert.equal(createRestRequestDecoder(create, httpBindingsOf(create)[0]!).readsBody, true);
  });

  test("body text given to a rule without a body is ignored", () => {
    const request = decode(Grafeas.method.getNote, "/v1/projects/p/notes/n", "", '{"name":"x"}') as GetNoteRequest;
    assert.equal(request.name, "projects/p/notes/n");
  });
});
