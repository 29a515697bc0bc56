import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DenialReason } from "./decision.js";
import {
  decideImage,
  decideObject,
  describeObjectReference,
  formatDenialMessage,
  formatWarnings,
  reasonMessage,
} from "./decision.js";
import { readPinnedImage } from "./image-pinning.js";
import { policyProblem } from "./policy-set.js";
import { defaultPackageVulnerabilityRequirements, evaluateVulnerabilities } from "./vulnerability-rules.js";
import type { WorkloadImage } from "./workload-images.js";

const digest = `sha256:${"c".repeat(64)}`;
const pinned = `gcr.io/hightowerlabs/payment@${digest}`;

const container = (image: string, path = "spec.template.spec.containers[0].image", name = "payment"): WorkloadImage => ({
  path,
  containerPath: path.replace(/\.image$/, ""),
  containerName: name,
  containerType: "container",
  image,
});

const missing = (mode: "enforced" | "dry-run" = "enforced"): DenialReason => ({
  mode,
  kind: "missing-attestations",
  policy: "require-qa",
  requiredAuthorities: ["qa", "security"],
  missingAuthorities: ["qa"],
  signatureFailures: [],
});

const deployment = { kind: "Deployment", namespace: "prod", name: "payment" };

describe("image verdicts", () => {
  test("an image with no reasons is allowed", () => {
    assert.equal(decideImage(container(pinned), []).verdict, "allowed");
  });

  test("an enforced reason denies the image", () => {
    assert.equal(decideImage(container(pinned), [missing()]).verdict, "denied");
  });

  test("reasons only from dry-run policies make it dry-run-would-deny", () => {
    assert.equal(decideImage(container(pinned), [missing("dry-run")]).verdict, "dry-run-would-deny");
  });

  test("one enforced reason among dry-run ones still denies", () => {
    assert.equal(decideImage(container(pinned), [missing("dry-run"), missing()]).verdict, "denied");
  });

  test("breakglass turns a denial into a breakglass verdict", () => {
    assert.equal(decideImage(container(pinned), [missing()], { breakglass: true }).verdict, "breakglass");
  });

  test("breakglass on an image with nothing against it leaves it allowed", () => {
    assert.equal(decideImage(container(pinned), [], { breakglass: true }).verdict, "allowed");
  });
});

describe("object decisions", () => {
  test("an object is denied when one image is denied", () => {
    const decision = decideObject(deployment, [decideImage(container(pinned), []), decideImage(container("x:1"), [missing()])]);
    assert.equal(decision.allowed, false);
  });

  test("an object with only dry-run findings is allowed", () => {
    assert.equal(decideObject(deployment, [decideImage(container(pinned), [missing("dry-run")])]).allowed, true);
  });

  test("an enforced object-level reason denies even with no images", () => {
    const problem = policyProblem({ source: "p.yaml", documentNumber: 1 }, undefined, undefined, undefined, "not valid YAML");
    const decision = decideObject(deployment, [], {
      objectReasons: [{ mode: "enforced", kind: "invalid-policy", namespace: "prod", problem }],
    });
    assert.equal(decision.allowed, false);
  });

  test("breakglass admits an object whose only denial is object-level, and says it was used", () => {
    const decision = decideObject(deployment, [], {
      objectReasons: [{ mode: "enforced", kind: "no-policy", namespace: "prod" }],
      breakglass: true,
    });
    assert.equal(decision.allowed, true);
    assert.equal(decision.breakglassUsed, true);
  });
});

describe("reason messages", () => {
  test("a missing attestation uses the seed's wording and names the policy and authorities", () => {
    assert.equal(
      reasonMessage(pinned, missing()),
      `No matched signatures for container image: ${pinned} (GenericAttestationPolicy require-qa requires attestations by "qa", "security"; missing: "qa")`,
    );
  });

  test("a rejected attestation is reported with the verifier's code", () => {
    const reason: DenialReason = {
      mode: "enforced",
      kind: "missing-attestations",
      policy: "require-qa",
      requiredAuthorities: ["qa"],
      missingAuthorities: ["qa"],
      signatureFailures: [{ authority: "qa", code: "PAYLOAD_MISMATCH", message: "the signed digest is sha256:ddd…" }],
    };
    assert.match(reasonMessage(pinned, reason), /; an attestation by "qa" was rejected \(PAYLOAD_MISMATCH: the signed digest is sha256:ddd…\)$/);
  });

  test("an unpinned image says how to pin it", () => {
    const read = readPinnedImage("gcr.io/hightowerlabs/payment:1.0");
    assert.equal(read.outcome, "unpinned");
    const message = read.outcome === "unpinned" ? read.message : "";
    assert.equal(
      reasonMessage("gcr.io/hightowerlabs/payment:1.0", { mode: "enforced", kind: "unpinned-image", message }),
      "gcr.io/hightowerlabs/payment:1.0 is not pinned by digest; use gcr.io/hightowerlabs/payment@sha256:… (for example `crane digest gcr.io/hightowerlabs/payment:1.0` / `docker buildx imagetools inspect gcr.io/hightowerlabs/payment:1.0`)",
    );
  });

  test("a vulnerability reason carries the Kritis text and the policy name", () => {
    const { violations } = evaluateVulnerabilities(pinned, { ...defaultPackageVulnerabilityRequirements, maximumSeverity: "LOW" }, [
      { kind: "VULNERABILITY", noteName: "projects/goog-vulnz/notes/CVE-2023-1", vulnerability: { effectiveSeverity: "HIGH", fixAvailable: true } },
    ]);
    assert.equal(
      reasonMessage(pinned, { mode: "enforced", kind: "vulnerability", policy: "strict", violation: violations[0]! }),
      `found CVE projects/goog-vulnz/notes/CVE-2023-1 in ${pinned}, which has severity HIGH exceeding max severity LOW (ImageSecurityPolicy strict)`,
    );
  });

  test("an unreachable metadata server says the configuration fails closed", () => {
    assert.match(
      reasonMessage(pinned, { mode: "enforced", kind: "metadata-unavailable", detail: "UNAVAILABLE: connection refused" }),
      /could not be asked about .* \(UNAVAILABLE: connection refused\), and the KritisConfig fails closed/,
    );
  });

  test("a pod with only a generateName is named by it", () => {
    assert.equal(describeObjectReference({ kind: "Pod", namespace: "prod", generateName: "payment-7d9c-" }), "Pod prod/payment-7d9c-…");
  });
});

describe("the denial message", () => {
  test("names the object, the container path, the image and the reason", () => {
    const decision = decideObject(deployment, [decideImage(container(pinned), [missing()])]);
    assert.equal(
      formatDenialMessage(decision),
      [
        "Deployment prod/payment is denied:",
        `- spec.template.spec.containers[0].image (container "payment"), image ${pinned}:`,
        `  - No matched signatures for container image: ${pinned} (GenericAttestationPolicy require-qa requires attestations by "qa", "security"; missing: "qa")`,
      ].join("\n"),
    );
  });

  test("lists only denied images, and leaves dry-run reasons to the warnings", () => {
    const decision = decideObject(deployment, [
      decideImage(container(pinned), [missing("dry-run")]),
      decideImage(container("gcr.io/p/init:1", "spec.template.spec.initContainers[0].image", "init"), [
        { mode: "enforced", kind: "unpinned-image", message: "gcr.io/p/init:1 is not pinned by digest; …" },
        missing("dry-run"),
      ]),
    ]);
    const message = formatDenialMessage(decision);
    assert.ok(message.includes("initContainers[0].image (container \"init\"), image gcr.io/p/init:1:"));
    assert.ok(!message.includes("containers[0].image (container \"payment\")"));
    assert.ok(!message.includes("No matched signatures"));
  });

  test("repeated reasons are listed once and long lists are cut with a count", () => {
    const reasons: DenialReason[] = Array.from({ length: 5 }, (_, i) => ({
      mode: "enforced" as const,
      kind: "malformed-object" as const,
      message: `problem ${i % 4}`,
    }));
    const decision = decideObject(deployment, [decideImage(container(pinned), reasons)]);
    const message = formatDenialMessage(decision, { maxReasonsPerImage: 2 });
    assert.deepEqual(message.split("\n").slice(2), ["  - problem 0", "  - problem 1", "  - … and 2 more"]);
  });

  test("object-level reasons come first", () => {
    const problem = policyProblem({ source: "prod.yaml", documentNumber: 2 }, { kind: "ImageSecurityPolicy", name: "x", namespace: "prod" }, "prod", "spec.enforcementMode", "must be one of …");
    const decision = decideObject(deployment, [], {
      objectReasons: [{ mode: "enforced", kind: "invalid-policy", namespace: "prod", problem }],
    });
    assert.equal(
      formatDenialMessage(decision),
      "Deployment prod/payment is denied:\n- namespace prod has an invalid policy: prod.yaml document 2: ImageSecurityPolicy prod/x: spec.enforcementMode: must be one of …",
    );
  });

  test("an allowed decision has no denial message", () => {
    assert.equal(formatDenialMessage(decideObject(deployment, [decideImage(container(pinned), [])])), "");
  });
});

describe("warnings", () => {
  test("a dry-run finding becomes a warning naming what would be denied", () => {
    const decision = decideObject(deployment, [decideImage(container(pinned), [missing("dry-run")])]);
    assert.deepEqual(formatWarnings(decision), [
      `dry run: Deployment prod/payment spec.template.spec.containers[0].image (container "payment"), image ${pinned} would be denied: No matched signatures for container image: ${pinned} (GenericAttestationPolicy require-qa requires attestations by "qa", "security"; missing: "qa")`,
    ]);
  });

  test("breakglass use is always reported", () => {
    const decision = decideObject(deployment, [decideImage(container(pinned), [missing()], { breakglass: true })], { breakglass: true });
    assert.equal(decision.allowed, true);
    assert.match(formatWarnings(decision)[0] ?? "", /^breakglass: Deployment prod\/payment .* admitted despite: No matched signatures/);
  });

  test("image and object warnings are passed through", () => {
    const decision = decideObject(deployment, [decideImage(container(pinned), [], { warnings: ["image warning"] })], { warnings: ["object warning"] });
    assert.deepEqual(formatWarnings(decision), ["image warning", "object warning"]);
  });
});
