import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  MetadataWorld,
  authorityYaml,
  ecKeyPair,
  gapYaml,
  images,
  pod,
  podInput,
  policySet,
} from "../__fixtures__/admission-world.js";
import { valueAt } from "../../policy/crds/test-fixtures.js";
import type { AdmissionInput } from "../admission-input.js";
import { createAdmissionReviewer } from "../review-admission.js";
import { auditNoteId, auditRecord } from "./audit-record.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
const policies = policySet(
  authorityYaml("qa", "shop", qaNote, [{ pkix: qaKey }]),
  gapYaml("require-qa", "shop", ["qa"]),
  authorityYaml("qa", "trial", qaNote, [{ pkix: qaKey }]),
  gapYaml("require-qa", "trial", ["qa"], { mode: "DRYRUN_AUDIT_LOG_ONLY" }),
);
const context = { project: "scriba-audit", cluster: "prod-eu", policyVersion: 7 };

let world: MetadataWorld;
before(async () => {
  world = new MetadataWorld();
  await world.pkixAttestation(qaNote, qaKey, images.web);
});
after(() => world.close());

async function recordOf(input: AdmissionInput) {
  const outcome = await createAdmissionReviewer({ policies, metadata: world.source }).review(input);
  return { outcome, record: auditRecord(input, outcome, context) };
}

const deployment = (namespace: string, image: string, extra: Record<string, unknown> = {}): AdmissionInput => ({
  uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
  operation: "CREATE",
  kind: { group: "apps", kind: "Deployment" },
  resource: { group: "apps", version: "v1", resource: "deployments" },
  namespace,
  name: "web",
  object: {
    metadata: { name: "web", namespace, ...extra },
    spec: { template: { spec: { containers: [{ name: "app", image }] } } },
  },
});

describe("audit records", () => {
  test("a denial is an occurrence of the namespace's deny note, naming the object, the images and the reasons", async () => {
    const { record } = await recordOf(deployment("shop", images.payment));
    assert.ok(record);
    assert.equal(record.noteName, "projects/scriba-audit/notes/shop.deny");
    assert.equal(record.occurrence["resourceUri"], "kubernetes://prod-eu/apis/apps/v1/namespaces/shop/deployments/web");
    const at = (path: string) => valueAt(record.occurrence, `compliance.${path}`);
    assert.deepEqual(
      [at("nonCompliantFiles[0].path"), at("nonCompliantFiles[0].displayCommand"), at("nonCompliantFiles[1]")],
      ["spec.template.spec.containers[0].image", images.payment, undefined],
    );
    assert.match(String(at("nonCompliantFiles[0].reason")), /^denied: No matched signatures for container image/);
    assert.match(String(at("nonComplianceReason")), /^CREATE Deployment shop\/web \(uid 705ab4f5-6393-11e8-b7cc-42010a800002\) denied\nDeployment shop\/web is denied:/);
    assert.deepEqual(at("version"), {
      cpeUri: "kubernetes://prod-eu",
      benchmarkDocument: "GenericAttestationPolicy shop/require-qa",
      version: "7",
    });
    assert.deepEqual(Object.keys(record.note).sort(), ["compliance", "longDescription", "shortDescription"]);
  });

  test("an admission is an occurrence of the allow note, with no flagged image", async () => {
    const { record } = await recordOf(deployment("shop", images.web));
    assert.equal(record?.noteName, "projects/scriba-audit/notes/shop.allow");
    assert.deepEqual(valueAt(record?.occurrence, "compliance.nonCompliantFiles"), []);
    assert.match(String(valueAt(record?.occurrence, "compliance.nonComplianceReason")), /^CREATE Deployment shop\/web .* admitted$/);
  });

  test("a dry-run policy's would-be denial goes to the dry-run-would-deny note, with its warning", async () => {
    const { record } = await recordOf(deployment("trial", images.payment));
    assert.equal(record?.noteName, "projects/scriba-audit/notes/trial.dry-run-would-deny");
    assert.match(String(valueAt(record?.occurrence, "compliance.nonCompliantFiles[0].reason")), /^dry-run-would-deny: /);
    assert.match(String(valueAt(record?.occurrence, "compliance.nonComplianceReason")), /\ndry run: Deployment trial\/web /);
  });

  test("a breakglass admission goes to the breakglass note", async () => {
    const { record } = await recordOf(deployment("shop", images.payment, { annotations: { "kritis.grafeas.io/breakglass": "true" } }));
    assert.equal(record?.noteName, "projects/scriba-audit/notes/shop.breakglass");
    assert.match(String(valueAt(record?.occurrence, "compliance.nonCompliantFiles[0].reason")), /^breakglass: /);
  });

  test("a request with dryRun: true and a request that is not reviewed are not recorded", async () => {
    assert.equal((await recordOf({ ...deployment("shop", images.payment), dryRun: true })).record, undefined);
    assert.equal((await recordOf(podInput(pod("web", "shop", [{ image: images.web }]), { operation: "DELETE" }))).record, undefined);
  });

  test("note IDs put the namespace first and the decision last", () => {
    assert.equal(auditNoteId("kube-public", "dry-run-would-deny"), "kube-public.dry-run-would-deny");
  });
});
