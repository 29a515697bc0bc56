import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ScribaError } from "../../errors.js";
import type { PolicySet } from "../../policy/policy-set.js";
import {
  MetadataWorld,
  authorityYaml,
  ecKeyPair,
  gapYaml,
  images,
  ispYaml,
  pod,
  podInput,
  policySet,
} from "../__fixtures__/admission-world.js";
import type { AdmissionMetrics } from "../admission-metrics.js";
import { createAdmissionMetrics } from "../admission-metrics.js";
import { instrumentMetadata } from "../instrumented-metadata.js";
import { decorateMetadataSource } from "../metadata-source.js";
import type { AdmissionReviewer } from "../review-admission.js";
import { createAdmissionReviewer } from "../review-admission.js";
import { AnswerCache } from "./answer-cache.js";
import { VerificationCache } from "./verification-cache.js";

const ns = "prod";
const qaNote = "projects/image-signing/notes/qa";
const secNote = "projects/image-signing/notes/security";
const qaKey = ecKeyPair();
const qaNextKey = ecKeyPair();
const secKey = ecKeyPair();

const qa = authorityYaml("qa", ns, qaNote, [{ pkix: qaKey }]);
const qaRotated = authorityYaml("qa", ns, qaNote, [{ pkix: qaKey }, { pkix: qaNextKey }]);
const sec = authorityYaml("security", ns, secNote, [{ pkix: secKey }]);
const requireBoth = gapYaml("require-both", ns, ["qa", "security"]);

interface Harness {
  readonly world: MetadataWorld;
  readonly metrics: AdmissionMetrics;
  readonly reviewer: AdmissionReviewer;
  policies: PolicySet;
  now: number;
  sourceDown: boolean;
  /** Calls that reached the metadata store (cache hits do not). */
  calls(operation?: string): number;
  verifications(): number;
  verdictHits(): number;
}

let harness: Harness;

function makeHarness(world: MetadataWorld, policies: PolicySet): Harness {
  const metrics = createAdmissionMetrics();
  const state = { policies, now: 0, sourceDown: false };
  const failing = decorateMetadataSource(world.source, {
    noteOccurrences: (note, uris, options) =>
      state.sourceDown ? Promise.reject(new ScribaError("UNAVAILABLE", "the metadata server is down")) : world.source.noteOccurrences(note, uris, options),
  });
  const reviewer = createAdmissionReviewer({
    policies: () => state.policies,
    metadata: instrumentMetadata(failing, metrics),
    answerCache: new AnswerCache({ metrics, now: () => state.now }),
    verificationCache: new VerificationCache({ metrics, now: () => state.now }),
    metrics,
  });
  return Object.assign(state, {
    world,
    metrics,
    reviewer,
    calls: (operation = "noteOccurrences") => metrics.metadataCallDuration.count({ operation }),
    verifications: () => metrics.verifications.total(),
    verdictHits: () => metrics.cacheRequests.get({ cache: "verification", result: "hit" }),
  });
}

const webPod = (name = "web") => podInput(pod(name, ns, [{ image: images.web }]));

beforeEach(async () => {
  const world = new MetadataWorld();
  await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.pkixAttestation(secNote, secKey, images.web);
  harness = makeHarness(world, policySet(qa, sec, requireBoth));
});
afterEach(() => harness.world.close());

describe("the admission caches", () => {
  test("a warm review asks the metadata server nothing and verifies nothing", async () => {
    assert.equal((await harness.reviewer.review(webPod())).decision.allowed, true);
    const calls = harness.calls();
    const verifications = harness.verifications();
    assert.equal(calls, 2);
    assert.equal(verifications, 2);
    assert.equal((await harness.reviewer.review(webPod("web-2"))).decision.allowed, true);
    assert.equal(harness.calls(), calls);
    assert.equal(harness.verifications(), verifications);
  });

  test("200 concurrent reviews of a new image make one call per authority and one verification per authority", async () => {
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => harness.reviewer.review(webPod(`web-${i}`))));
    assert.ok(outcomes.every((o) => o.decision.allowed));
    assert.equal(harness.calls(), 2);
    assert.equal(harness.verifications(), 2);
    assert.equal(harness.metrics.cacheRequests.get({ cache: "metadata", result: "miss" }), 2);
    assert.equal(
      harness.metrics.cacheRequests.get({ cache: "metadata", result: "shared" }) + harness.metrics.cacheRequests.get({ cache: "metadata", result: "hit" }),
      398,
    );
  });

  test("rotating one authority's keys re-verifies that authority only", async () => {
    await harness.reviewer.review(webPod());
    assert.equal(harness.verifications(), 2);
    harness.policies = policySet(qaRotated, sec, requireBoth);
    const outcome = await harness.reviewer.review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.equal(harness.verifications(), 3, "only qa, whose key list changed, is verified again");
    assert.equal(harness.verdictHits(), 1, "security's verdict is reused");
  });

  test("a key change that makes an attestation invalid takes effect on the next review", async () => {
    await harness.reviewer.review(webPod());
    harness.policies = policySet(authorityYaml("qa", ns, qaNote, [{ pkix: qaNextKey }]), sec, requireBoth);
    const outcome = await harness.reviewer.review(webPod());
    assert.equal(outcome.decision.allowed, false);
    assert.match(outcome.message, /missing: "qa"/);
  });

  test("a change to an unrelated policy re-verifies nothing and still takes effect", async () => {
    await harness.reviewer.review(webPod());
    harness.policies = policySet(qa, sec, requireBoth, ispYaml("strict", ns, { maximumSeverity: "LOW" }), ispYaml("other", "staging"));
    await harness.world.vulnerability(images.web, "CVE-2024-0001", "HIGH");
    const outcome = await harness.reviewer.review(webPod());
    assert.equal(harness.verifications(), 2);
    assert.equal(harness.verdictHits(), 2);
    assert.equal(outcome.decision.allowed, false, "the new ImageSecurityPolicy judges at once");
    assert.match(outcome.message, /CVE-2024-0001/);
  });

  test("an answer is reused for its TTL, then asked again; the same occurrences are not verified again", async () => {
    await harness.reviewer.review(webPod());
    harness.now = 29_999;
    await harness.reviewer.review(webPod());
    assert.equal(harness.calls(), 2);
    harness.now = 30_000;
    await harness.reviewer.review(webPod());
    assert.equal(harness.calls(), 4, "the answers expired and were fetched again");
    assert.equal(harness.verifications(), 2, "the verdicts are keyed by content, which did not change");
  });

  test("after a denial for a missing attestation, a new attestation counts within the short negative TTL", async () => {
    const world = new MetadataWorld();
    await world.pkixAttestation(secNote, secKey, images.web);
    await harness.world.close();
    harness = makeHarness(world, policySet(qa, sec, requireBoth));
    assert.equal((await harness.reviewer.review(webPod())).decision.allowed, false);
    await world.pkixAttestation(qaNote, qaKey, images.web);
    harness.now = 1_999;
    assert.equal((await harness.reviewer.review(webPod())).decision.allowed, false, "still the cached answer");
    harness.now = 2_000;
    assert.equal((await harness.reviewer.review(webPod())).decision.allowed, true);
  });

  test("a failed call is not cached: the next review asks again", async () => {
    harness.sourceDown = true;
    const failed = await harness.reviewer.review(webPod());
    assert.equal(failed.decision.allowed, false);
    assert.match(failed.message, /the metadata server is down/);
    harness.sourceDown = false;
    assert.equal((await harness.reviewer.review(webPod())).decision.allowed, true);
  });

  test("a warm review counts one metadata cache hit per answer it reuses", async () => {
    await harness.reviewer.review(webPod());
    const answers = (result: string) => harness.metrics.cacheRequests.get({ cache: "metadata", result });
    assert.deepEqual([answers("miss"), answers("hit")], [2, 0]);
    await harness.reviewer.review(webPod("web-2"));
    assert.deepEqual([answers("miss"), answers("hit")], [2, 2]);
  });

  test("a review with some answers stored asks only for the others and counts the stored ones as hits", async () => {
    await harness.reviewer.review(webPod());
    const both = podInput(pod("both", ns, [{ image: images.web }, { image: images.sidecar }]));
    await harness.reviewer.review(both);
    const answers = (result: string) => harness.metrics.cacheRequests.get({ cache: "metadata", result });
    assert.equal(harness.calls(), 4, "only the sidecar image's two answers were asked for");
    assert.deepEqual([answers("miss"), answers("hit")], [4, 2]);
  });
});

