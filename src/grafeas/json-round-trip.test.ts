import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { anyPack, StringValueSchema, timestampFromMs, ValueSchema } from "@bufbuild/protobuf/wkt";
import { DiscoveryOccurrenceSchema } from "../gen/grafeas/v1/discovery_pb.js";
import { OccurrenceSchema, type Occurrence } from "../gen/grafeas/v1/grafeas_pb.js";
import { Version_VersionKind } from "../gen/grafeas/v1/package_pb.js";
import { Severity } from "../gen/grafeas/v1/severity_pb.js";
import { encodesLikeItsJson } from "./json-round-trip.js";
import { messageFromStoredJson, toCanonicalJson } from "./proto-json.js";

/** The binary of `message`, and of its canonical JSON parsed back (what a reply built from storage encodes). */
function bothEncodings<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): [Uint8Array, Uint8Array] {
  return [toBinary(schema, message), toBinary(schema, messageFromStoredJson(schema, toCanonicalJson(schema, message)))];
}

function vulnerabilityOccurrence(): Occurrence {
  const now = timestampFromMs(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  return create(OccurrenceSchema, {
    name: "projects/p/occurrences/o",
    resourceUri: "https://gcr.io/p/app@sha256:" + "a".repeat(64),
    noteName: "projects/p/notes/CVE-2024-0001",
    createTime: now,
    updateTime: now,
    details: {
      case: "vulnerability",
      value: {
        severity: Severity.HIGH,
        cvssScore: 7.5,
        packageIssue: [
          {
            affectedCpeUri: "cpe:/o:debian:debian_linux:12",
            affectedPackage: "openssl",
            affectedVersion: { kind: Version_VersionKind.NORMAL, name: "3.0.11", revision: "1~deb12u2" },
            fixedVersion: { kind: Version_VersionKind.MAXIMUM },
          },
        ],
        relatedUrls: [{ url: "https://example.com/CVE-2024-0001", label: "advisory" }],
      },
    },
  });
}

describe("encodesLikeItsJson", () => {
  test("an occurrence as the service stores it encodes like its JSON", () => {
    const occurrence = vulnerabilityOccurrence();
    assert.equal(encodesLikeItsJson(OccurrenceSchema, occurrence), true);
    const [direct, fromJson] = bothEncodings(OccurrenceSchema, occurrence);
    assert.deepEqual(direct, fromJson);
  });

  test("an occurrence decoded with an unknown field does not, and is refused", () => {
    const bytes = toBinary(OccurrenceSchema, vulnerabilityOccurrence());
    const withUnknown = fromBinary(OccurrenceSchema, new Uint8Array([...bytes, 0xf8, 0x3e, 0x01])); // field 999, varint 1
    const [direct, fromJson] = bothEncodings(OccurrenceSchema, withUnknown);
    assert.notDeepEqual(direct, fromJson);
    assert.equal(encodesLikeItsJson(OccurrenceSchema, withUnknown), false);
  });

  test("an unknown field deep inside the details is found", () => {
    const occurrence = vulnerabilityOccurrence();
    if (occurrence.details.case !== "vulnerability") throw new Error("a vulnerability occurrence was expected");
    occurrence.details.value.packageIssue[0]!.$unknown = [{ no: 999, wireType: 0, data: new Uint8Array([1]) }];
    assert.equal(encodesLikeItsJson(OccurrenceSchema, occurrence), false);
  });

  test("an occurrence holding a google.protobuf.Any is refused, its packed bytes being re-encoded by JSON", () => {
    const occurrence = vulnerabilityOccurrence();
    occurrence.details = {
      case: "discovery",
      value: create(DiscoveryOccurrenceSchema, {
        analysisError: [{ code: 3, details: [anyPack(StringValueSchema, create(StringValueSchema, { value: "x" }))] }],
      }),
    };
    assert.equal(encodesLikeItsJson(OccurrenceSchema, occurrence), false);
  });

  test("a negative zero JSON would write as 0 is refused", () => {
    const value = create(ValueSchema, { kind: { case: "numberValue", value: -0 } });
    const [direct, fromJson] = bothEncodings(ValueSchema, value);
    assert.notDeepEqual(direct, fromJson);
    assert.equal(encodesLikeItsJson(ValueSchema, value), false);
    assert.equal(encodesLikeItsJson(ValueSchema, create(ValueSchema, { kind: { case: "numberValue", value: 1.5 } })), true);
  });
});
