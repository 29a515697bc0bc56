import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { OccurrenceSchema, NoteSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { Severity } from "../gen/grafeas/v1/severity_pb.js";
import { ScribaError } from "../errors.js";
import { applyUpdate } from "./field-mask.js";

const rules = { outputOnly: ["name", "kind", "createTime", "updateTime"], immutable: ["resourceUri", "noteName"] };

function stored() {
  return create(OccurrenceSchema, {
    name: "projects/p/occurrences/o1",
    resourceUri: "https://gcr.io/p/app@sha256:1",
    noteName: "projects/p/notes/n",
    remediation: "upgrade",
    details: {
      case: "vulnerability",
      value: { severity: Severity.HIGH, cvssScore: 7.5, shortDescription: "CVE-1" },
    },
  });
}

describe("applyUpdate with a field mask", () => {
  test("changes only the listed field and keeps the others", () => {
    const request = create(OccurrenceSchema, { remediation: "patch", resourceUri: "ignored" });
    const updated = applyUpdate(OccurrenceSchema, stored(), request, ["remediation"], rules);
    assert.equal(updated.remediation, "patch");
    assert.equal(updated.resourceUri, "https://gcr.io/p/app@sha256:1");
    assert.equal(updated.details.case, "vulnerability");
  });

  test("accepts snake_case and camelCase paths into the details oneof", () => {
    const request = create(OccurrenceSchema, {
      details: { case: "vulnerability", value: { cvssScore: 9.1, shortDescription: "new" } },
    });
    const updated = applyUpdate(OccurrenceSchema, stored(), request, ["vulnerability.cvss_score"], rules);
    assert.equal(updated.details.case, "vulnerability");
    assert.equal(updated.details.value?.cvssScore, 9.1);
    assert.equal((updated.details.value as { shortDescription: string }).shortDescription, "CVE-1");
  });

  test("clears a listed field that the request leaves unset", () => {
    const updated = applyUpdate(OccurrenceSchema, stored(), create(OccurrenceSchema), ["remediation"], rules);
    assert.equal(updated.remediation, "");
  });

  test("ignores output-only fields even when they are listed", () => {
    const request = create(OccurrenceSchema, { name: "projects/x/occurrences/y" });
    const updated = applyUpdate(OccurrenceSchema, stored(), request, ["name"], rules);
    assert.equal(updated.name, "projects/p/occurrences/o1");
  });

  test("refuses to change an immutable field", () => {
    const request = create(OccurrenceSchema, { noteName: "projects/p/notes/other" });
    assert.throws(
      () => applyUpdate(OccurrenceSchema, stored(), request, ["noteName"], rules),
      (e: unknown) => e instanceof ScribaError && e.code === "INVALID_ARGUMENT" && e.message.includes("noteName is immutable"),
    );
  });

  test("names the unknown path in its error", () => {
    assert.throws(
      () => applyUpdate(OccurrenceSchema, stored(), create(OccurrenceSchema), ["vulnerability.bogus"], rules),
      (e: unknown) => e instanceof ScribaError && e.message.includes('no field "bogus"'),
    );
  });

  test("refuses paths that reach inside a list", () => {
    assert.throws(
      () => applyUpdate(OccurrenceSchema, stored(), create(OccurrenceSchema), ["vulnerability.packageIssue.affectedPackage"], rules),
      (e: unknown) => e instanceof ScribaError && e.message.includes("inside a list"),
    );
  });
});

describe("applyUpdate without a field mask", () => {
  test("replaces every mutable field and keeps the output-only ones", () => {
    const current = create(NoteSchema, {
      name: "projects/p/notes/n",
      shortDescription: "old",
      longDescription: "old long",
      createTime: { seconds: 10n, nanos: 0 },
      type: { case: "attestation", value: { hint: { humanReadableName: "qa" } } },
    });
    const request = create(NoteSchema, {
      shortDescription: "new",
      type: { case: "attestation", value: { hint: { humanReadableName: "qa" } } },
    });
    const updated = applyUpdate(NoteSchema, current, request, [], { outputOnly: rules.outputOnly, immutable: [] });
    assert.equal(updated.shortDescription, "new");
    assert.equal(updated.longDescription, "");
    assert.equal(updated.name, "projects/p/notes/n");
    assert.equal(updated.createTime?.seconds, 10n);
  });

  test("keeps an immutable field the request leaves out, and refuses a different one", () => {
    const keep = applyUpdate(OccurrenceSchema, stored(), create(OccurrenceSchema, { remediation: "x" }), [], rules);
    assert.equal(keep.resourceUri, "https://gcr.io/p/app@sha256:1");
    assert.throws(
      () => applyUpdate(OccurrenceSchema, stored(), create(OccurrenceSchema, { resourceUri: "https://other" }), ["*"], rules),
      (e: unknown) => e instanceof ScribaError && e.message.includes("resourceUri is immutable"),
    );
  });
});
