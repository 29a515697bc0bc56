import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MetadataWorld, authorityYaml, ecKeyPair, gapYaml, images, kritisConfigYaml, pod, podInput, policySet } from "../__fixtures__/admission-world.js";
import type { JsonObject } from "../../policy/crds/field-reader.js";
import { withField } from "../../policy/crds/test-fixtures.js";
import type { AdmissionInput } from "../admission-input.js";
import { createAdmissionReviewer } from "../review-admission.js";
import { deployedContainerOf, deploymentRecords, imageResourceUri } from "./deployment-record.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
const policies = policySet(
  authorityYaml("qa", "shop", qaNote, [{ pkix: qaKey }]),
  gapYaml("require-qa", "shop", ["qa"], { allowlist: ["docker.io/library/busybox:*"] }),
  kritisConfigYaml({ noPolicyDefault: "ALLOW" }),
);
const now = new Date("2025-06-05T10:00:00.000Z");
const context = { project: "scriba-deployments", cluster: "prod-eu", platform: "CUSTOM" as const, now };

let world: MetadataWorld;
before(async () => {
  world = new MetadataWorld();
  await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.pkixAttestation(qaNote, qaKey, images.sidecar);
});
after(() => world.close());

async function recordsOf(input: AdmissionInput) {
  const outcome = await createAdmissionReviewer({ policies, metadata: world.source }).review(input);
  return deploymentRecords(input, outcome, context);
}

function admittedPod(containers: { image: string; name?: string }[], extra: Partial<AdmissionInput> = {}): AdmissionInput {
  const object = pod("web-7d9f-x2k4q", "shop", containers);
  (object["metadata"] as Record<string, unknown>)["uid"] = "8f1a0c6e-0000-4000-8000-000000000001";
  (object["metadata"] as Record<string, unknown>)["ownerReferences"] = [{ kind: "ReplicaSet", name: "web-7d9f", controller: true }];
  return podInput(object, { user: "system:serviceaccount:kube-system:replicaset-controller", ...extra });
}

describe("deployment records", () => {
  test("an admitted Pod records one DEPLOYMENT occurrence per image, under the cluster's note", async () => {
    const records = await recordsOf(admittedPod([{ image: images.web, name: "app" }, { image: images.sidecar, name: "proxy" }]));
    assert.ok(records);
    assert.equal(records.noteName, "projects/scriba-deployments/notes/prod-eu");
    assert.deepEqual(records.note["deployment"], { resourceUri: ["kubernetes://prod-eu"] });
    assert.deepEqual(
      records.occurrences.map((o) => o["resourceUri"]),
      [`https://${images.web}`, `https://${images.sidecar}`],
    );
    const first = records.occurrences[0]!;
    assert.equal(first["noteName"], "projects/scriba-deployments/notes/prod-eu");
    const deployment = first["deployment"] as Record<string, unknown>;
    assert.deepEqual(
      { ...deployment, config: undefined },
      {
        userEmail: "system:serviceaccount:kube-system:replicaset-controller",
        deployTime: "2025-06-05T10:00:00.000Z",
        config: undefined,
        address: "kubernetes://prod-eu/api/v1/namespaces/shop/pods/web-7d9f-x2k4q",
        resourceUri: [`https://${images.web}`],
        platform: "CUSTOM",
      },
    );
    assert.deepEqual(deployedContainerOf(first), {
      namespace: "shop",
      pod: "web-7d9f-x2k4q",
      uid: "8f1a0c6e-0000-4000-8000-000000000001",
      container: "spec.containers[0]",
      image: images.web,
      owner: "ReplicaSet/web-7d9f",
    });
  });

  test("an image admitted by tag through an allowlist is recorded under its normalised tag", async () => {
    const records = await recordsOf(admittedPod([{ image: "busybox:1.36" }]));
    assert.deepEqual(records?.occurrences.map((o) => o["resourceUri"]), ["https://docker.io/library/busybox:1.36"]);
  });

  test("a denied Pod, a dry-run request and a Deployment record nothing", async () => {
    assert.equal(await recordsOf(admittedPod([{ image: images.payment }])), undefined);
    assert.equal(await recordsOf(admittedPod([{ image: images.web }], { dryRun: true })), undefined);
    const deployment: AdmissionInput = {
      operation: "CREATE",
      kind: { group: "apps", kind: "Deployment" },
      namespace: "shop",
      name: "web",
      object: { metadata: { name: "web" }, spec: { template: { spec: { containers: [{ name: "a", image: images.web }] } } } },
    };
    assert.equal(await recordsOf(deployment), undefined);
  });

  test("on UPDATE only the images the Pod did not run before are recorded", async () => {
    const before = admittedPod([{ image: images.web, name: "app" }]).object;
    const after = withField(admittedPod([{ image: images.web, name: "app" }]).object as JsonObject, "spec.ephemeralContainers", [
      { name: "debugger", image: images.sidecar },
    ]);
    const records = await recordsOf(
      podInput(after, { operation: "UPDATE", subResource: "ephemeralcontainers", oldObject: before }),
    );
    assert.deepEqual(records?.occurrences.map((o) => o["resourceUri"]), [`https://${images.sidecar}`]);
    assert.equal(deployedContainerOf(records?.occurrences[0])?.container, "spec.ephemeralContainers[0]");
  });

  test("image URIs are normalised the way the runtime reads images", () => {
    assert.equal(imageResourceUri(`nginx@${"sha256:" + "4".repeat(64)}`), `https://docker.io/library/nginx@sha256:${"4".repeat(64)}`);
    assert.equal(imageResourceUri("not a reference"), undefined);
  });

  test("occurrences this module did not write are not read as deployed containers", () => {
    assert.equal(deployedContainerOf({ deployment: { config: "written by someone else" } }), undefined);
    assert.equal(deployedContainerOf({ attestation: {} }), undefined);
  });
});
