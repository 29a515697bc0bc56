import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { configureTextEncoding, getTextEncoding } from "@bufbuild/protobuf/wire";
import { OccurrenceSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { useNodeUtf8Encoding } from "./utf8-encoding.js";

const tricky = ["", "plain ascii", "é ü ß", "日本語", "emoji 🐳 in a tag", "lone \ud800 surrogate", "trailing \udc00", "\u0000nul"];

describe("Node's UTF-8 encoding for protobuf-es", () => {
  test("strings encode to exactly the bytes TextEncoder gives, unpaired surrogates included", () => {
    useNodeUtf8Encoding();
    const encoder = new TextEncoder();
    for (const text of tricky) {
      assert.deepEqual(new Uint8Array(getTextEncoding().encodeUtf8(text)), encoder.encode(text), JSON.stringify(text));
    }
  });

  test("a message encodes to the same bytes as with TextEncoder", () => {
    const message = create(OccurrenceSchema, { name: tricky.join("/"), resourceUri: "https://gcr.io/日本/app", noteName: "n" });
    const current = getTextEncoding();
    const encoder = new TextEncoder();
    configureTextEncoding({ ...current, encodeUtf8: (text) => encoder.encode(text) });
    const withTextEncoder = toBinary(OccurrenceSchema, message);
    useNodeUtf8Encoding();
    assert.deepEqual(toBinary(OccurrenceSchema, message), withTextEncoder);
  });

  test("decoding is left as protobuf-es has it", () => {
    useNodeUtf8Encoding();
    assert.equal(getTextEncoding().decodeUtf8(new Uint8Array([0xe6, 0x97, 0xa5])), "日");
    assert.equal(getTextEncoding().checkUtf8("ok"), true);
  });
});
