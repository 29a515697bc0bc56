import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { ScribaError } from "../../errors.js";
import { createLogger } from "../../logging/logger.js";
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
import type { KeptDecision } from "../review-admission.js";
import { AnswerCache } from "./answer-cache.js";
import { DecisionCache } from "./decision-cache.js";
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
  decisionHits(): number;
  readonly answers: AnswerCache;
  readonly verdicts: VerificationCache;
  /** Log lines the reviewer wrote, parsed. */
  readonly lines: Record<string, unknown>[];
}

let harness: Harness;

function makeHarness(world: MetadataWorld, policies: PolicySet, withDecisions = false, verificationTtlMs?: number): Harness {
  const metrics = createAdmissionMetrics();
  const state = { policies, now: 0, sourceDown: false };
  const clock = () => state.now;
  const answers = new AnswerCache({ metrics, now: clock });
  const verdicts = new VerificationCache({ metrics, now: clock, ...(verificationTtlMs === undefined ? {} : { ttlMs: verificationTtlMs }) });
  const lines: Record<string, unknown>[] = [];
  const failing = decorateMetadataSource(world.source, {
    noteOccurrences: (note, uris, options) =>
      state.sourceDown ? Promise.reject(new ScribaError("UNAVAILABLE", "the metadata server is down")) : world.source.noteOccurrences(note, uris, options),
  });
  const reviewer = createAdmissionReviewer({
    policies: () => state.policies,
    metadata: instrumentMetadata(failing, metrics),
    answerCache: answers,
    verificationCache: verdicts,
    decisionCache: withDecisions ? new DecisionCache<KeptDecision>({ answers, verdicts, metrics, now: clock }) : undefined,
    metrics,
    logger: createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }),
  });
  return Object.assign(state, {
    world,
    metrics,
    reviewer,
    answers,
    verdicts,
    lines,
    decisionHits: () => metrics.cacheRequests.get({ cache: "decision", result: "hit" }),
    calls: (operation = "noteOccurrences") => metrics.metadataCallDuration.count({ operation }),
    verifications: () => metrics.verifications.total(),
    verdictHits: () => metrics.cacheRequests.get({ cache: "verification", result: "hit" }),
  });
}

const webPod = (name = "web") => podInput(pod(name, ns, [{ image: images.web }]));

async function attestedWorld(): Promise<MetadataWorld> {
  const world = new MetadataWorld();
  await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.pkixAttestation(secNote, secKey, images.web);
  return world;
}

// Everything the answer and verification caches promise holds whether or not decisions are kept as well.
for (const withDecisions of [false, true]) describe(withDecisions ? "the admission caches, keeping decisions too" : "the admission caches", () => {
  beforeEach(async () => {
    harness = makeHarness(await attestedWorld(), policySet(qa, sec, requireBoth), withDecisions);
  });
  afterEach(() => harness.world.close());

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
    const outcomes = await Promise.all(Array.from({ length: 200 }, async (_, i) => harness.reviewer.review(webPod(`web-${i}`))));
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
    harness = makeHarness(world, policySet(qa, sec, requireBoth), withDecisions);
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


describe("kept decisions", () => {
  beforeEach(async () => {
    harness = makeHarness(await attestedWorld(), policySet(qa, sec, requireBoth), true);
  });
  afterEach(() => harness.world.close());

  /** Reviews `web` until its decision is kept: the first review fetches, the second is made from stored answers and verdicts. */
  async function warmUp(): Promise<void> {
    await harness.reviewer.review(webPod("web-1"));
    await harness.reviewer.review(webPod("web-2"));
  }

  const counters = () => ({
    calls: harness.calls(),
    verifications: harness.verifications(),
    answerHits: harness.metrics.cacheRequests.get({ cache: "metadata", result: "hit" }),
    verdictHits: harness.verdictHits(),
  });

  test("a Pod with the same containers as one decided from the caches gets that decision without asking any cache", async () => {
    await warmUp();
    const before = counters();
    const outcome = await harness.reviewer.review(podInput(pod("web-3", ns, [{ image: images.web }]), { uid: "uid-3" }));
    assert.equal(outcome.decision.allowed, true);
    assert.equal(outcome.event, "allow");
    assert.equal(harness.decisionHits(), 1);
    assert.deepEqual(counters(), before);
    assert.deepEqual(outcome.decision.object, { kind: "Pod", namespace: ns, name: "web-3", generateName: undefined });
  });

  test("a review a kept decision covers is answered at once, not as a promise", async () => {
    await warmUp();
    const answered = harness.reviewer.review(webPod("web-3"));
    assert.ok(!(answered instanceof Promise));
    assert.equal(answered.decision.allowed, true);
    assert.equal(harness.decisionHits(), 1);
  });

  test("a review that is not covered by a kept decision is a promise", async () => {
    const first = harness.reviewer.review(webPod("web-1"));
    assert.ok(first instanceof Promise);
    assert.equal((await first).decision.allowed, true);
  });

  test("a review that fails before any metadata is read rejects instead of throwing", async () => {
    await warmUp();
    const broken = { ...webPod("web-3"), get object(): unknown {
      throw new Error("the object cannot be read");
    } };
    const answered = harness.reviewer.review(broken);
    assert.ok(answered instanceof Promise);
    await assert.rejects(answered, /the object cannot be read/);
  });

  test("the log record of a kept decision names the new request and object, with the decision's fields", async () => {
    await warmUp();
    const made = harness.lines.at(-1)!;
    await harness.reviewer.review(podInput(pod("web-3", ns, [{ image: images.web }]), { uid: "uid-3" }));
    const reused = harness.lines.at(-1)!;
    assert.equal(reused["uid"], "uid-3");
    assert.equal(reused["object"], `Pod ${ns}/web-3`);
    const decisionPart = (line: Record<string, unknown>) => Object.entries(line).filter(([key]) => !["time", "uid", "object"].includes(key));
    assert.deepEqual(decisionPart(reused), decisionPart(made));
    assert.deepEqual(reused["images"], [{ path: "spec.containers[0].image", image: images.web, verdict: "allowed", allowedBy: "policies-satisfied", reasons: [] }]);
  });

  test("a kept decision ends when the first answer it was made from expires", async () => {
    await harness.reviewer.review(webPod("web-1"));
    harness.now = 10_000;
    await harness.reviewer.review(webPod("web-2"));
    harness.now = 29_999;
    await harness.reviewer.review(webPod("web-3"));
    assert.equal(harness.decisionHits(), 1);
    harness.now = 30_000;
    await harness.reviewer.review(webPod("web-4"));
    assert.equal(harness.decisionHits(), 1);
    assert.equal(harness.calls(), 4, "the answers were fetched again");
  });

  test("a kept decision ends when the first verdict it was made from expires, if that comes before the answers", async () => {
    await harness.world.close();
    harness = makeHarness(await attestedWorld(), policySet(qa, sec, requireBoth), true, 10_000);
    await warmUp();
    harness.now = 9_999;
    await harness.reviewer.review(webPod("web-3"));
    assert.equal(harness.decisionHits(), 1);
    harness.now = 10_000;
    await harness.reviewer.review(webPod("web-4"));
    assert.equal(harness.decisionHits(), 1);
    assert.equal(harness.verifications(), 4, "both verdicts expired and were verified again");
  });

  test("a policy change is judged afresh on the next review, from the warm caches", async () => {
    await warmUp();
    harness.policies = policySet(qa, sec, requireBoth);
    const before = counters();
    assert.equal((await harness.reviewer.review(webPod("web-3"))).decision.allowed, true);
    assert.equal(harness.decisionHits(), 0);
    assert.equal(harness.verifications(), before.verifications, "the verdicts were reused");
    harness.policies = policySet(qa, sec, requireBoth, ispYaml("strict", ns, { maximumSeverity: "LOW" }));
    await harness.world.vulnerability(images.web, "CVE-2024-0002", "HIGH");
    const strict = await harness.reviewer.review(webPod("web-4"));
    assert.equal(strict.decision.allowed, false);
    assert.match(strict.message, /CVE-2024-0002/);
  });

  test("flushing the answer or the verification cache ends every kept decision", async () => {
    await warmUp();
    harness.answers.clear();
    await harness.reviewer.review(webPod("web-3"));
    assert.equal(harness.decisionHits(), 0);
    await harness.reviewer.review(webPod("web-4"));
    harness.verdicts.clear();
    await harness.reviewer.review(webPod("web-5"));
    assert.equal(harness.decisionHits(), 0);
  });

  test("denials are judged every time", async () => {
    const unsigned = () => podInput(pod("side", ns, [{ image: images.sidecar }]));
    for (let i = 0; i < 3; i++) assert.equal((await harness.reviewer.review(unsigned())).decision.allowed, false);
    assert.equal(harness.decisionHits(), 0);
  });

  test("admissions with a warning or a breakglass marker are judged every time", async () => {
    const dryRun = policySet(qa, sec, gapYaml("require-both", ns, ["qa", "security"], { mode: "DRYRUN_AUDIT_LOG_ONLY" }));
    harness.policies = dryRun;
    const sidecar = () => podInput(pod("side", ns, [{ image: images.sidecar }]));
    for (let i = 0; i < 3; i++) assert.equal((await harness.reviewer.review(sidecar())).event, "dry-run-would-deny");
    harness.policies = policySet(qa, sec, requireBoth);
    const glass = () => podInput(pod("glass", ns, [{ image: images.web }], { annotations: { "kritis.grafeas.io/breakglass": "true" } }));
    for (let i = 0; i < 3; i++) assert.equal((await harness.reviewer.review(glass())).decision.allowed, true);
    assert.equal(harness.decisionHits(), 0);
  });
});
