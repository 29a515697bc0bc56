import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScribaError } from "../errors.js";
import type { GroupKind, WorkloadImage } from "./workload-images.js";
import { extractWorkloadImages, isReviewedWorkload, splitUpdateImages } from "./workload-images.js";

const digest = `sha256:${"b".repeat(64)}`;

const podSpec = {
  initContainers: [{ name: "migrate", image: "gcr.io/p/migrate:1" }],
  containers: [
    { name: "app", image: `gcr.io/p/app@${digest}` },
    { name: "proxy", image: "envoyproxy/envoy:v1.30" },
  ],
  ephemeralContainers: [{ name: "debugger", image: "busybox" }],
};

function pathsAndImages(kind: GroupKind, object: unknown, subResource?: string) {
  const result = extractWorkloadImages({ kind, object, subResource });
  assert.ok(result, `${kind.kind} should be reviewed`);
  return result.images.map((i) => [i.path, i.containerName, i.image]);
}

function expected(prefix: string) {
  return [
    [`${prefix}containers[0].image`, "app", `gcr.io/p/app@${digest}`],
    [`${prefix}containers[1].image`, "proxy", "envoyproxy/envoy:v1.30"],
    [`${prefix}initContainers[0].image`, "migrate", "gcr.io/p/migrate:1"],
    [`${prefix}ephemeralContainers[0].image`, "debugger", "busybox"],
  ];
}

const template = { spec: { template: { metadata: { labels: { app: "x" } }, spec: podSpec } } };

describe("extracting images from every workload kind", () => {
  test("a Pod yields containers, init containers and ephemeral containers under spec", () => {
    assert.deepEqual(pathsAndImages({ group: "", kind: "Pod" }, { spec: podSpec }), expected("spec."));
  });

  for (const [group, kind] of [
    ["apps", "Deployment"],
    ["apps", "ReplicaSet"],
    ["apps", "StatefulSet"],
    ["apps", "DaemonSet"],
    ["extensions", "Deployment"],
    ["batch", "Job"],
    ["", "ReplicationController"],
  ] as const) {
    test(`a ${group || "core"}/${kind} yields the images of spec.template.spec`, () => {
      assert.deepEqual(pathsAndImages({ group, kind }, template), expected("spec.template.spec."));
    });
  }

  test("a CronJob yields the images nested in spec.jobTemplate.spec.template.spec", () => {
    const cronJob = { spec: { schedule: "* * * * *", jobTemplate: { spec: template.spec } } };
    assert.deepEqual(
      pathsAndImages({ group: "batch", kind: "CronJob" }, cronJob),
      expected("spec.jobTemplate.spec.template.spec."),
    );
  });

  test("the pods/ephemeralcontainers subresource with a Pod object is read like a Pod", () => {
    assert.deepEqual(
      pathsAndImages({ group: "", kind: "Pod" }, { spec: podSpec }, "ephemeralcontainers"),
      expected("spec."),
    );
  });

  test("the legacy EphemeralContainers object yields ephemeralContainers at its root", () => {
    const object = { kind: "EphemeralContainers", ephemeralContainers: [{ name: "dbg", image: "busybox:1.36" }] };
    assert.deepEqual(
      pathsAndImages({ group: "", kind: "EphemeralContainers" }, object, "ephemeralcontainers"),
      [["ephemeralContainers[0].image", "dbg", "busybox:1.36"]],
    );
  });

  test("each image records its container path and container type", () => {
    const result = extractWorkloadImages({ kind: { group: "apps", kind: "Deployment" }, object: template });
    const init = result?.images.find((i) => i.containerType === "initContainer");
    assert.equal(init?.containerPath, "spec.template.spec.initContainers[0]");
  });

  test("a ReplicationController without a template has no images", () => {
    const result = extractWorkloadImages({ kind: { group: "", kind: "ReplicationController" }, object: { spec: {} } });
    assert.deepEqual(result?.images, []);
  });
});

describe("kinds and subresources that carry no images", () => {
  test("a custom resource named Job in another group is not reviewed", () => {
    assert.equal(isReviewedWorkload({ group: "example.com", kind: "Job" }), false);
    assert.equal(extractWorkloadImages({ kind: { group: "example.com", kind: "Job" }, object: {} }), undefined);
  });

  test("pods/status and deployments/scale are not reviewed", () => {
    assert.equal(isReviewedWorkload({ group: "", kind: "Pod" }, "status"), false);
    assert.equal(isReviewedWorkload({ group: "apps", kind: "Deployment" }, "scale"), false);
  });

  test("a ConfigMap is not reviewed", () => {
    assert.equal(isReviewedWorkload({ group: "", kind: "ConfigMap" }), false);
  });
});

describe("malformed objects", () => {
  function rejects(kind: GroupKind, object: unknown, ...fragments: string[]) {
    assert.throws(
      () => extractWorkloadImages({ kind, object }),
      (error: unknown) =>
        error instanceof ScribaError &&
        error.code === "INVALID_ARGUMENT" &&
        fragments.every((f) => error.message.includes(f)),
    );
  }

  test("a null object is rejected with a clear error", () => {
    rejects({ group: "", kind: "Pod" }, null, "object: must be a JSON object");
  });

  test("a Deployment without a template is rejected naming the missing field", () => {
    rejects({ group: "apps", kind: "Deployment" }, { spec: {} }, "spec.template: required");
  });

  test("containers that are not a list are rejected", () => {
    rejects({ group: "", kind: "Pod" }, { spec: { containers: "nginx" } }, "spec.containers: must be a list");
  });

  test("every bad container is listed, not only the first", () => {
    rejects(
      { group: "", kind: "Pod" },
      { spec: { containers: [42, { name: "a", image: 7 }], initContainers: [{ name: "b" }] } },
      "spec.containers[0]: must be an object",
      "spec.containers[1].image: must be a string",
      "spec.initContainers[0].image: required",
    );
  });

  test("a CronJob whose jobTemplate is a string is rejected at that path", () => {
    rejects({ group: "batch", kind: "CronJob" }, { spec: { jobTemplate: "x" } }, "spec.jobTemplate: must be an object");
  });

  test("the error lists each problem as a field violation", () => {
    try {
      extractWorkloadImages({ kind: { group: "", kind: "Pod" }, object: { spec: { containers: [{}] } } });
      assert.fail("expected an error");
    } catch (error) {
      assert.ok(error instanceof ScribaError);
      assert.deepEqual(error.violations, [{ field: "spec.containers[0].image", description: "required" }]);
    }
  });

  test("an empty image in a pod template is a warning, not an error", () => {
    const result = extractWorkloadImages({
      kind: { group: "apps", kind: "Deployment" },
      object: { spec: { template: { spec: { containers: [{ name: "a" }] } } } },
    });
    assert.deepEqual(result?.images, []);
    assert.match(result?.warnings[0] ?? "", /spec\.template\.spec\.containers\[0\]\.image is empty/);
  });
});

describe("images added by an UPDATE", () => {
  const image = (value: string, path = "spec.containers[0].image"): WorkloadImage => ({
    path,
    containerPath: path.replace(/\.image$/, ""),
    containerName: "c",
    containerType: "container",
    image: value,
  });

  test("a changed tag is an added image", () => {
    const result = splitUpdateImages([image("gcr.io/p/app:2")], [image("gcr.io/p/app:1")]);
    assert.deepEqual(result.added.map((i) => i.image), ["gcr.io/p/app:2"]);
  });

  test("an image that moved to another container is unchanged", () => {
    const result = splitUpdateImages(
      [image("gcr.io/p/app:1", "spec.initContainers[0].image")],
      [image("gcr.io/p/app:1")],
    );
    assert.equal(result.added.length, 0);
    assert.equal(result.unchanged.length, 1);
  });

  test("two spellings of the same image count as unchanged", () => {
    const result = splitUpdateImages([image("docker.io/library/nginx:1.25")], [image("nginx:1.25")]);
    assert.equal(result.added.length, 0);
  });

  test("a new ephemeral container added through kubectl debug is an added image", () => {
    const before = { spec: { containers: [{ name: "app", image: "gcr.io/p/app:1" }] } };
    const after = {
      spec: { ...before.spec, ephemeralContainers: [{ name: "debugger", image: "busybox" }] },
    };
    const kind = { group: "", kind: "Pod" };
    const current = extractWorkloadImages({ kind, object: after, subResource: "ephemeralcontainers" });
    const previous = extractWorkloadImages({ kind, object: before, subResource: "ephemeralcontainers" });
    const result = splitUpdateImages(current?.images ?? [], previous?.images ?? []);
    assert.deepEqual(result.added.map((i) => i.path), ["spec.ephemeralContainers[0].image"]);
  });
});
