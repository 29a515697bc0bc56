import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ImageDecision } from "../policy/decision.js";
import type { AdmissionInput } from "./admission-input.js";
import type { AdmissionReviewRequest } from "./admission-review.js";
import { admissionResponse, admissionResponseText } from "./admission-review.js";
import type { AdmissionOutcome } from "./review-admission.js";

const input: AdmissionInput = { uid: "u-1", operation: "CREATE", kind: { group: "", kind: "Pod" }, namespace: "prod", name: "web", object: {} };

function review(uid: string, apiVersion: AdmissionReviewRequest["apiVersion"] = "admission.k8s.io/v1"): AdmissionReviewRequest {
  return { apiVersion, uid, input: { ...input, uid } };
}

function image(n: number, verdict: ImageDecision["verdict"] = "allowed"): ImageDecision {
  return {
    image: {
      path: `spec.containers[${n}].image`,
      containerPath: `spec.containers[${n}]`,
      containerName: `c${n}`,
      containerType: "container",
      image: `registry.example.com/app-${n}@sha256:${"ab".repeat(32)}`,
    },
    verdict,
    reasons:
      verdict === "allowed"
        ? []
        : [{ mode: verdict === "dry-run-would-deny" ? "dry-run" : "enforced", kind: "missing-attestations", policy: "prod/require-qa", requiredAuthorities: ["qa"], missingAuthorities: ["qa"], signatureFailures: [] }],
    allowedBy: verdict === "allowed" ? { kind: "policies-satisfied" } : undefined,
    warnings: [],
  };
}

function outcome(overrides: Partial<AdmissionOutcome> = {}, images: readonly ImageDecision[] = [image(0)]): AdmissionOutcome {
  const allowed = images.every((i) => i.verdict !== "denied");
  return {
    reviewed: true,
    event: allowed ? "allow" : "deny",
    decision: { object: { kind: "Pod", namespace: "prod", name: "web" }, allowed, images, objectReasons: [], breakglassUsed: false, warnings: [] },
    message: allowed ? "" : "image registry.example.com/app-0 is denied",
    warnings: [],
    policies: ["GenericAttestationPolicy prod/require-qa"],
    breakglassMarker: undefined,
    attestations: [],
    ...overrides,
  };
}

describe("the answer as JSON text", () => {
  const answers: [string, AdmissionReviewRequest, AdmissionOutcome][] = [
    ["a plain admission", review("u-1"), outcome()],
    ["a plain admission over admission.k8s.io/v1beta1", review("u-2", "admission.k8s.io/v1beta1"), outcome()],
    ["a plain admission whose uid needs escaping", review('u-"3"\\\u00e9\u2028'), outcome()],
    ["a plain admission of ten images", review("u-4"), outcome({}, Array.from({ length: 10 }, (_, n) => image(n)))],
    ["a plain admission under no policy", review("u-5"), outcome({ policies: [] })],
    ["a denial", review("u-6"), outcome({}, [image(0, "denied")])],
    ["a dry-run would-deny", review("u-7"), outcome({ event: "dry-run-would-deny", warnings: ["dry run: would deny"] }, [image(0, "dry-run-would-deny")])],
    ["a breakglass admission", review("u-8"), outcome({ event: "breakglass", breakglassMarker: "annotation alpha.image-policy.k8s.io/break-glass", warnings: ["breakglass"] }, [image(0, "breakglass")])],
    ["an admission with a warning", review("u-9"), outcome({ warnings: ["the image has no tag"] })],
    ["a request that was not reviewed", review("u-10"), outcome({ reviewed: false, policies: [] })],
  ];
  for (const [what, request, result] of answers) {
    test(`is the serialized answer for ${what}`, () => {
      assert.equal(admissionResponseText(request, result), JSON.stringify(admissionResponse(request, result)));
    });
  }

  test("is the same for a plain admission answered again, with the new uid", () => {
    const policies = ["GenericAttestationPolicy prod/require-qa"];
    admissionResponseText(review("first"), outcome({ policies }));
    const again = JSON.parse(admissionResponseText(review("second"), outcome({ policies }))) as { response: { uid: string } };
    assert.equal(again.response.uid, "second");
    assert.equal(JSON.stringify(again), JSON.stringify(admissionResponse(review("second"), outcome({ policies }))));
  });

  test("names each policy set's own policies", () => {
    const first = JSON.parse(admissionResponseText(review("a"), outcome({ policies: ["GenericAttestationPolicy prod/one"] }))) as {
      response: { auditAnnotations: { policies: string } };
    };
    const second = JSON.parse(admissionResponseText(review("b"), outcome({ policies: ["GenericAttestationPolicy prod/two"] }))) as {
      response: { auditAnnotations: { policies: string } };
    };
    assert.equal(first.response.auditAnnotations.policies, "GenericAttestationPolicy prod/one");
    assert.equal(second.response.auditAnnotations.policies, "GenericAttestationPolicy prod/two");
  });
});
