import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { images, pod, podInput } from "./__fixtures__/admission-world.js";
import type { AdmissionInput } from "./admission-input.js";
import { admissionSubject, subjectKey } from "./admission-subject.js";

const keyOf = (input: AdmissionInput) => subjectKey(admissionSubject(input));
const web = (name: string, options: Parameters<typeof pod>[3] = {}) => pod(name, "prod", [{ image: images.web, name: "app" }], options);

describe("admissionSubject", () => {
  test("reads the object's identity, namespace, images and breakglass marker", () => {
    const subject = admissionSubject(podInput(web("web-1", { annotations: { "kritis.grafeas.io/breakglass": "true" } })));
    assert.deepEqual(subject.object, { kind: "Pod", namespace: "prod", name: "web-1", generateName: undefined });
    assert.equal(subject.namespace, "prod");
    assert.equal(subject.resource, "/Pod");
    assert.deepEqual(subject.read && "images" in subject.read ? subject.read.images.map((i) => i.image) : [], [images.web]);
    assert.deepEqual(subject.breakglass, { requested: true, marker: 'metadata.annotations["kritis.grafeas.io/breakglass"]' });
  });

  test("has nothing to read for an operation that is not reviewed", () => {
    assert.equal(admissionSubject(podInput(web("web-1"), { operation: "DELETE" })).read, undefined);
  });

  test("reads the images an UPDATE's old object had", () => {
    const subject = admissionSubject(podInput(web("web-1"), { operation: "UPDATE", oldObject: pod("web-1", "prod", [{ image: images.sidecar }]) }));
    assert.deepEqual(subject.previousImages.map((i) => i.image), [images.sidecar]);
  });
});

describe("subjectKey", () => {
  test("is the same for two objects that differ only in uid and name", () => {
    const first = keyOf(podInput(web("web-1"), { uid: "a" }));
    assert.ok(first !== undefined);
    assert.equal(keyOf(podInput(web("web-2", { labels: { app: "web" } }), { uid: "b" })), first);
  });

  test("differs when anything the decision reads differs", () => {
    const base = keyOf(podInput(web("web-1")));
    const variants: AdmissionInput[] = [
      podInput(pod("web-1", "staging", [{ image: images.web, name: "app" }])),
      podInput(pod("web-1", "prod", [{ image: images.sidecar, name: "app" }])),
      podInput(pod("web-1", "prod", [{ image: images.web, name: "other" }])),
      podInput(pod("web-1", "prod", [{ image: images.web, name: "app" }, { image: images.web, name: "app2" }])),
      podInput(web("web-1"), { operation: "UPDATE", oldObject: web("web-1") }),
      podInput(web("web-1"), { subResource: "ephemeralcontainers" }),
    ];
    const keys = variants.map(keyOf);
    for (const key of keys) {
      assert.ok(key !== undefined);
      assert.notEqual(key, base);
    }
    assert.equal(new Set(keys).size, keys.length);
  });

  test("tells kinds apart even when their pod templates are the same", () => {
    const template = { template: { spec: { containers: [{ name: "app", image: images.web }] } } };
    const workload = (group: string, kind: string) =>
      keyOf(podInput({ apiVersion: `${group}/v1`, kind, metadata: { name: "w", namespace: "prod" }, spec: template }, { kind: { group, kind } }));
    const keys = [workload("apps", "Deployment"), workload("extensions", "Deployment"), workload("apps", "ReplicaSet")];
    assert.ok(keys.every((key) => key !== undefined));
    assert.equal(new Set(keys).size, 3);
  });

  test("tells UPDATEs apart by the images the old object had", () => {
    const update = (old: string) => keyOf(podInput(web("web-1"), { operation: "UPDATE", oldObject: pod("web-1", "prod", [{ image: old }]) }));
    assert.notEqual(update(images.web), update(images.sidecar));
  });

  test("is undefined for a subject whose decision is never reused", () => {
    const inputs: AdmissionInput[] = [
      podInput(web("web-1"), { operation: "DELETE" }),
      podInput(web("web-1", { annotations: { "kritis.grafeas.io/breakglass": "true" } })),
      podInput({ apiVersion: "v1", kind: "Pod", metadata: { name: "bad", namespace: "prod" }, spec: { containers: [{ name: "c" }] } }),
      podInput(
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "prod" }, spec: { template: { spec: { containers: [{ name: "c", image: "" }] } } } },
        { kind: { group: "apps", kind: "Deployment" } },
      ),
    ];
    assert.deepEqual(inputs.map(keyOf), [undefined, undefined, undefined, undefined]);
  });
});
