import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { NoteSchema, OccurrenceSchema, type Note, type Occurrence } from "../../gen/grafeas/v1/grafeas_pb.js";
import { Version_VersionKind } from "../../gen/grafeas/v1/package_pb.js";
import { validateNote } from "./validate-note.js";
import { validateOccurrence } from "./validate-occurrence.js";

const fields = (v: { list: readonly { field: string }[] }) => v.list.map((x) => x.field);
const note = (type: Note["type"]) => create(NoteSchema, { type });
const occurrence = (details: Occurrence["details"]) =>
  create(OccurrenceSchema, { resourceUri: "https://gcr.io/p/a@sha256:1", noteName: "projects/p/notes/n", details });

describe("validateNote", () => {
  test("a note without details names the type field", () => {
    assert.deepEqual(fields(validateNote(create(NoteSchema))), ["type"]);
  });

  test("an attestation note needs hint.humanReadableName", () => {
    assert.deepEqual(fields(validateNote(note({ case: "attestation", value: {} as never }))), [
      "attestation.hint.humanReadableName",
    ]);
    assert.deepEqual(fields(validateNote(note({ case: "attestation", value: { hint: { humanReadableName: "qa" } } as never }))), []);
  });

  test("a build note needs builderVersion", () => {
    assert.deepEqual(fields(validateNote(note({ case: "build", value: {} as never }))), ["build.builderVersion"]);
  });

  test("a deployment note needs at least one non-empty resourceUri", () => {
    assert.deepEqual(fields(validateNote(note({ case: "deployment", value: {} as never }))), ["deployment.resourceUri"]);
    assert.deepEqual(fields(validateNote(note({ case: "deployment", value: { resourceUri: [""] } as never }))), [
      "deployment.resourceUri[0]",
    ]);
  });

  test("a discovery note needs analysisKind", () => {
    assert.deepEqual(fields(validateNote(note({ case: "discovery", value: {} as never }))), ["discovery.analysisKind"]);
  });

  test("an image note needs resourceUrl and a fingerprint with v1Name and v2Blob", () => {
    assert.deepEqual(fields(validateNote(note({ case: "image", value: { fingerprint: { v2Blob: [""] } } as never }))), [
      "image.resourceUrl",
      "image.fingerprint.v1Name",
      "image.fingerprint.v2Blob[0]",
    ]);
  });

  test("a package note needs a name and a cpeUri per distribution", () => {
    assert.deepEqual(fields(validateNote(note({ case: "package", value: { distribution: [{}] } as never }))), [
      "package.name",
      "package.distribution[0].cpeUri",
    ]);
  });

  test("a vulnerability note needs details, and a NORMAL fixed version needs the fixed package", () => {
    assert.deepEqual(fields(validateNote(note({ case: "vulnerability", value: {} as never }))), ["vulnerability.details"]);
    const detail = {
      affectedCpeUri: "cpe:/o:debian",
      affectedPackage: "openssl",
      fixedVersion: { kind: Version_VersionKind.NORMAL, name: "1.1" },
    };
    assert.deepEqual(fields(validateNote(note({ case: "vulnerability", value: { details: [detail] } as never }))), [
      "vulnerability.details[0].fixedCpeUri",
      "vulnerability.details[0].fixedPackage",
    ]);
  });
});

describe("validateOccurrence", () => {
  test("an occurrence needs resourceUri, noteName and details", () => {
    assert.deepEqual(fields(validateOccurrence(create(OccurrenceSchema))), ["resourceUri", "noteName", "details"]);
  });

  test("a malformed noteName is reported with the expected form", () => {
    const v = validateOccurrence(create(OccurrenceSchema, { ...occurrence({ case: "deployment", value: { deployTime: { seconds: 1n } } as never }), noteName: "notes/x" }));
    assert.equal(v.list[0]?.field, "noteName");
    assert.match(v.list[0]?.description ?? "", /projects\/\[PROJECT_ID\]\/notes\/\[NOTE_ID\]/);
  });

  test("an attestation needs a payload or JWTs, and each signature needs a key ID and bytes", () => {
    assert.deepEqual(fields(validateOccurrence(occurrence({ case: "attestation", value: { signatures: [{}] } as never }))), [
      "attestation",
      "attestation.signatures[0].publicKeyId",
      "attestation.signatures[0].signature",
    ]);
  });

  test("a build occurrence needs provenance, and provenance needs an id and command names", () => {
    assert.deepEqual(fields(validateOccurrence(occurrence({ case: "build", value: {} as never }))), ["build"]);
    assert.deepEqual(fields(validateOccurrence(occurrence({ case: "build", value: { provenance: { commands: [{}] } } as never }))), [
      "build.provenance.id",
      "build.provenance.commands[0].name",
    ]);
  });

  test("a deployment occurrence needs deployTime", () => {
    assert.deepEqual(fields(validateOccurrence(occurrence({ case: "deployment", value: {} as never }))), ["deployment.deployTime"]);
  });

  test("an image occurrence needs a fingerprint and a directive per layer", () => {
    assert.deepEqual(fields(validateOccurrence(occurrence({ case: "image", value: { layerInfo: [{}] } as never }))), [
      "image.fingerprint",
      "image.layerInfo[0].directive",
    ]);
  });

  test("a package occurrence needs locations with cpeUri", () => {
    assert.deepEqual(fields(validateOccurrence(occurrence({ case: "package", value: { location: [{}] } as never }))), [
      "package.location[0].cpeUri",
    ]);
  });

  test("a vulnerability occurrence needs package issues with affected and fixed versions", () => {
    assert.deepEqual(fields(validateOccurrence(occurrence({ case: "vulnerability", value: { packageIssue: [{}] } as never }))), [
      "vulnerability.packageIssue[0].affectedCpeUri",
      "vulnerability.packageIssue[0].affectedPackage",
      "vulnerability.packageIssue[0].affectedVersion",
      "vulnerability.packageIssue[0].fixedVersion",
    ]);
  });

  test("a discovery occurrence needs nothing beyond the common fields", () => {
    assert.deepEqual(fields(validateOccurrence(occurrence({ case: "discovery", value: {} as never }))), []);
  });
});
