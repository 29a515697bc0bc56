/**
 * @module bench/suites/admission
 *
 * Issue 5's figures: AdmissionReview v1 over HTTPS to the real webhook
 * (`scriba serve --policy-dir …`, the webhook and the metadata in one
 * process; see lib/admission-bench) for the CREATE of
 * a Pod with 1 and with 10 containers, every review verified COLD: the
 * webhook runs with `--cache-ttl 0 --verification-cache-ttl 0`, so each
 * review fetches each image's attestations from the store and verifies one
 * PGP (RSA-3072) and one ECDSA P-256 attestation per image, as for an image
 * it has never seen. Each Scriba round checks from /metrics that exactly
 * 2 × containers verifications ran per review and none was denied.
 *
 * Per Pod size, two figures beside a no-op node:https webhook answering the
 * same requests in the same run: one review at a time (the latency an API
 * server sees; target for 10 images: p99 ≤ 25 ms), and 8 reviews in flight
 * (reviews/s).
 */
import { benchImage, podReviews } from "../lib/admission-reviews.js";
import { authorities, prepareAdmission, reviewFigure, startAdmissionScriba, startNoopWebhook } from "../lib/admission-bench.js";
import type { Suite } from "../lib/suite.js";

/** Distinct images the cold reviews cycle through (any number would do: nothing is cached). */
const poolSize = 20;
export const podSizes = [1, 10] as const;
export const loadConnections = 8;
const reviewsPerFigure = 200;

export const admissionSuite: Suite = {
  name: "admission",
  issue: 5,
  summary: "cold admission reviews (every image verified) beside a no-op HTTPS webhook",
  async run(context) {
    const pool = Array.from({ length: poolSize }, (_, n) => benchImage("cold", n));
    const world = await prepareAdmission(context.workDir, pool, context.log);
    const ours = await startAdmissionScriba(context, world, "scriba-cold", "in-process", ["--cache-ttl", "0", "--verification-cache-ttl", "0"]);
    const noop = await startNoopWebhook(context, world);
    try {
      for (const containers of podSizes) {
        const requests = podReviews(pool, containers, reviewsPerFigure, `cold-${containers}`);
        const what = containers === 1 ? "1 image" : `${containers} images`;
        const common = {
          suite: "admission",
          issue: 5,
          containers,
          requests,
          verificationsPerReview: containers * authorities.length,
          oursLabel: "scriba serve webhook (HTTPS, in-process metadata)",
        };
        const pod = `Pod with ${what} (${containers === 1 ? "one container" : "one container each"}), each image needing a PGP and an ECDSA attestation verified, caches off`;
        await reviewFigure(context, world, noop, ours, {
          ...common,
          id: `admission.cold-${containers}`,
          title: `Cold admission review, ${what}, one at a time`,
          metric: "latency",
          connections: 1,
          target: containers === 10 ? { kind: "max-p99-ms", value: 25 } : undefined,
          setup: `${pod}; one review at a time over a keep-alive HTTPS connection`,
        });
        await reviewFigure(context, world, noop, ours, {
          ...common,
          id: `admission.cold-${containers}.load`,
          title: `Cold admission reviews, ${what}, ${loadConnections} in flight`,
          metric: "throughput",
          connections: loadConnections,
          setup: `${pod}; ${loadConnections} keep-alive HTTPS connections`,
        });
      }
    } finally {
      await noop.stop();
      await ours.stop();
    }
    context.reportProfile("scriba-cold");
  },
};
