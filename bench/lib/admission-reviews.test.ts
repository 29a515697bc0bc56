import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { benchImage, metricSum, podReview, podReviews, reviewAnswer, reviewNamespace } from "./admission-reviews.js";

describe("admission reviews", () => {
  test("a review is an AdmissionReview v1 CREATE of a Pod with one container per image", () => {
    const review = JSON.parse(podReview("u-1", "web", ["a@sha256:1", "b@sha256:2"])) as {
      apiVersion: string;
      request: { uid: string; operation: string; namespace: string; object: { spec: { containers: { image: string }[] } } };
    };
    assert.equal(review.apiVersion, "admission.k8s.io/v1");
    assert.equal(review.request.uid, "u-1");
    assert.equal(review.request.operation, "CREATE");
    assert.equal(review.request.namespace, reviewNamespace);
    assert.deepEqual(review.request.object.spec.containers.map((c) => c.image), ["a@sha256:1", "b@sha256:2"]);
  });

  test("images are pinned by digest and differ by pool and number", () => {
    assert.match(benchImage("warm", 3), /^registry\.example\.com\/warm\/app-3@sha256:[0-9a-f]{64}$/);
    assert.notEqual(benchImage("warm", 3), benchImage("cold", 3));
  });

  test("pods take consecutive images of the pool, wrapping around, each review with its own uid", () => {
    const pool = ["i0", "i1", "i2"];
    const reviews = podReviews(pool, 2, 3, "t").map((r) => JSON.parse(r.body!) as { request: { uid: string; object: { spec: { containers: { image: string }[] } } } });
    assert.deepEqual(reviews.map((r) => r.request.object.spec.containers.map((c) => c.image)), [["i0", "i1"], ["i2", "i0"], ["i1", "i2"]]);
    assert.deepEqual(reviews.map((r) => r.request.uid), ["t-0", "t-1", "t-2"]);
  });

  test("a pool smaller than a pod is refused", () => {
    assert.throws(() => podReviews(["i0"], 2, 1, "t"), /cannot fill 2 containers/);
  });

  test("an answer is read for its uid and decision, and anything else is refused", () => {
    const body = JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "u", allowed: false, status: { code: 403, message: "no" } } });
    assert.deepEqual(reviewAnswer(body), { uid: "u", allowed: false, message: "no" });
    assert.throws(() => reviewAnswer('{"error":{}}'), /not an AdmissionReview response/);
  });

  test("metric sums add up the samples whose labels match", () => {
    const text = [
      "# TYPE scriba_admission_verifications_total counter",
      'scriba_admission_verifications_total{status="verified"} 12',
      'scriba_admission_verifications_total{status="failed"} 3',
      'scriba_admission_cache_requests_total{cache="verification",result="shared"} 199',
      "scriba_admission_record_queue_depth 0",
    ].join("\n");
    assert.equal(metricSum(text, "scriba_admission_verifications_total"), 15);
    assert.equal(metricSum(text, "scriba_admission_verifications_total", { status: "verified" }), 12);
    assert.equal(metricSum(text, "scriba_admission_cache_requests_total", { cache: "verification", result: "shared" }), 199);
    assert.equal(metricSum(text, "scriba_admission_decisions_total"), 0);
  });
});
