/**
 * @module bench/suites/admission-warm
 *
 * Issue 6's figures: the admission suite's reviews with warm caches, the
 * same images over and over, Pods with 1 and with 10 containers, against
 * `scriba webhook --server URL` (the webhook deployed apart from its
 * metadata server, with both caches at their defaults: answers reused 30 s,
 * verdicts 5 min; a warm review makes no call at all), beside the no-op HTTPS
 * webhook: one review at a time (target: p99 ≤ 2 ms) and 8 in flight
 * (target: ≥ 70% of the no-op's reviews/s). Each Scriba round checks from
 * /metrics that no verification ran and nothing was denied.
 *
 * And the burst: 200 reviews of one image the webhook has never verified
 * (attested, stored, never reviewed; a new image each round), all sent at
 * once over 200 connections. One unmeasured burst of yet another image goes
 * first to each server: the warm figures before it are answered from the
 * decision cache, so without it the first measured burst would also time the
 * compilation of everything a review of a new image runs, which a webhook
 * that has been up for a while has long done. Concurrent verifications of the same image and
 * authority must share one run, so the count read from /metrics
 * (`scriba_admission_verifications_total`, per authority) must be 1, not 200.
 */
import { benchImage, podReviews } from "../lib/admission-reviews.js";
import {
  authorities,
  difference,
  expectAllowed,
  prepareAdmission,
  reviewFigure,
  startAdmissionScriba,
  startNoopWebhook,
  webhookCounters,
  type AdmissionWorld,
} from "../lib/admission-bench.js";
import { alternate, makeFigure, type FigureDefinition } from "../lib/figures.js";
import type { HttpLoadSpec } from "../lib/load-spec.js";
import { measureServer, type LoadRunContext } from "../lib/load-runner.js";
import type { RunningScriba, RunningServer } from "../lib/servers.js";
import type { Suite, SuiteContext } from "../lib/suite.js";
import { loadConnections, podSizes } from "./admission.js";

const oursLabel = "scriba webhook (HTTPS, --server)";
/** The warm images: enough for the largest Pod. */
const poolSize = 10;
const burstSize = 200;
const reviewsPerFigure = 200;

async function burstFigure(context: SuiteContext, world: AdmissionWorld, noop: RunningServer, ours: RunningScriba, burstImages: readonly string[]): Promise<void> {
  const webhookUrl = ours.webhookUrl!;
  const definition: FigureDefinition = {
    id: "admission-warm.burst",
    suite: "admission-warm",
    issue: 6,
    title: `Burst of ${burstSize} concurrent reviews of one new image`,
    unit: "reviews/s",
    metric: "latency",
    oursLabel,
    baselineLabel: "no-op node:https webhook",
    target: { kind: "max-count", value: 1, what: "verifications per authority" },
    setup: `${burstSize} reviews of a Pod with one image never reviewed before (a new one each round), sent at once over ${burstSize} HTTPS connections; verifications counted from /metrics`,
  };
  context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
  const load: LoadRunContext = { ...context.load, tool: "node" };
  const spec = (url: string, round: number): HttpLoadSpec => ({
    protocol: "http",
    url,
    connections: burstSize,
    requests: podReviews([burstImages[round]!], 1, burstSize, `burst-${round}`),
    order: "cycle",
    insecureTls: true,
    warmupSeconds: 0,
    durationSeconds: 0,
    burst: burstSize,
  });
  const counts: number[] = [];
  const notes: string[] = [];
  // Round 0: the unmeasured warm-up burst (see the module comment).
  await measureServer(noop.pid, spec(noop.url, 0), load);
  await measureServer(ours.pid, spec(webhookUrl, 0), load);
  const rounds = await alternate(
    context.options.rounds,
    (round) => measureServer(noop.pid, spec(noop.url, round), load),
    async (round) => {
      const before = await webhookCounters(webhookUrl, world.ca);
      const measured = await measureServer(ours.pid, spec(webhookUrl, round), load);
      const counted = difference(await webhookCounters(webhookUrl, world.ca), before);
      counts.push(counted.verifications / authorities.length);
      notes.push(
        `round ${round}: ${counted.decisions} reviews decided (${counted.denials} denied), ${counted.verifications} verifications ran, ` +
          `${counted.shared} verification-cache lookups joined one in flight, ${counted.metadataCalls} metadata calls`,
      );
      if (counted.denials > 0 || counted.decisions < burstSize) {
        return { ...measured, errors: measured.errors + 1, errorSamples: [...measured.errorSamples, notes.at(-1)!] };
      }
      return measured;
    },
    context.log,
  );
  context.figure(makeFigure(definition, { ...rounds, counts }, notes));
}

export const admissionWarmSuite: Suite = {
  name: "admission-warm",
  issue: 6,
  summary: "warm-cache admission reviews and a one-image burst beside a no-op HTTPS webhook",
  async run(context) {
    const pool = Array.from({ length: poolSize }, (_, n) => benchImage("warm", n));
    // One more than the rounds: the first is the warm-up burst's.
    const burstImages = Array.from({ length: context.options.rounds + 1 }, (_, n) => benchImage("burst", n));
    const world = await prepareAdmission(context.workDir, [...pool, ...burstImages], context.log);
    const ours = await startAdmissionScriba(context, world, "scriba-warm", "remote", []);
    const noop = await startNoopWebhook(context, world);
    try {
      // Warm the caches: every pool image reviewed once.
      for (const review of podReviews(pool, pool.length, 1, "warm-up")) await expectAllowed("scriba", ours.webhookUrl!, world.ca, review);
      for (const containers of podSizes) {
        const requests = podReviews(pool, containers, reviewsPerFigure, `warm-${containers}`);
        const what = containers === 1 ? "1 image" : `${containers} images`;
        const common = {
          suite: "admission-warm",
          issue: 6,
          containers,
          requests,
          verificationsPerReview: 0,
          // A verdict kept 5 minutes may expire during a long run and be verified once more.
          verificationSlack: poolSize * authorities.length,
          oursLabel,
        };
        const pod = `Pod with ${what}, the same ${poolSize} attested images over and over, caches warm (default TTLs)`;
        await reviewFigure(context, world, noop, ours, {
          ...common,
          id: `admission-warm.warm-${containers}`,
          title: `Warm admission review, ${what}, one at a time`,
          metric: "latency",
          connections: 1,
          target: { kind: "max-p99-ms", value: 2 },
          setup: `${pod}; one review at a time over a keep-alive HTTPS connection`,
        });
        await reviewFigure(context, world, noop, ours, {
          ...common,
          id: `admission-warm.warm-${containers}.load`,
          title: `Warm admission reviews, ${what}, ${loadConnections} in flight`,
          metric: "throughput",
          connections: loadConnections,
          target: { kind: "min-ratio", value: 0.7 },
          setup: `${pod}; ${loadConnections} keep-alive HTTPS connections`,
        });
      }
      await burstFigure(context, world, noop, ours, burstImages);
    } finally {
      await noop.stop();
      await ours.stop();
    }
    context.reportProfile("scriba-warm");
  },
};
