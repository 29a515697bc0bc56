/**
 * @module bench/lib/admission-bench
 *
 * The admission suites' world and figures (issues 5 and 6):
 *
 * - Keys: a PGP key made by the real `gpg` (RSA-3072, in a throw-away
 *   GNUPGHOME) and an ECDSA P-256 key from node:crypto. Every image of the
 *   pools gets one attestation from each, signed over its simple-signing
 *   payload (`gpg --detach-sign` through attest's gpgSign; attest's
 *   signWithPrivateKey), stored as grafeas.v1 AttestationOccurrences.
 * - Policy (a --policy-dir): the two AttestationAuthorities and one
 *   GenericAttestationPolicy in namespace `bench` naming both, so every image
 *   of every review needs both attestations verified (Kritis: every authority
 *   of the policy).
 * - Scriba: the real webhook over HTTPS (certificates from the `scriba certs`
 *   code), either in `scriba serve` or as `scriba webhook --server` (see
 *   {@link MetadataPlacement}), over a SQLite store holding the
 *   attestations, posted through Scriba's own REST API. Decision records are
 *   off: they are CreateOccurrence calls made after the answer, measured by
 *   the rest suite, and would fill the store during a run.
 * - Baseline: a no-op node:https webhook on the same certificate (see
 *   servers/noop-webhook), same requests, same load generator.
 *
 * Each Scriba round reads the webhook's /metrics before and after, and fails
 * the figure unless every review was allowed and the expected number of
 * verifications ran (all of them cold, none warm).
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { authorityYaml, gapYaml } from "../../src/admission/__fixtures__/admission-world.js";
import { GpgHome } from "../../src/attest/__fixtures__/gpg-home.js";
import { gpgSign, signWithPrivateKey, simpleSigningPayload } from "../../src/attest/index.js";
import { parseImageReference } from "../../src/image/image-reference.js";
import { writeWebhookCertificates } from "../../src/tls/certificate-files.js";
import { generateWebhookCertificates } from "../../src/tls/webhook-certificates.js";
import { metricSum, reviewAnswer, reviewNamespace } from "./admission-reviews.js";
import { alternate, makeFigure, type FigureDefinition, type Rounds, type Target } from "./figures.js";
import type { HttpLoadSpec, HttpRequestTemplate, LoadTiming } from "./load-spec.js";
import { measureServer, type LoadRunContext, type Measurement } from "./load-runner.js";
import { expectHttpOk } from "./probe.js";
import { startBaselineServer, startScribaServe, startScribaWebhook, type RunningScriba, type RunningServer } from "./servers.js";
import type { SuiteContext } from "./suite.js";

const signingProject = "bench-signing";
const attestationProject = "bench-attestations";
export const authorities = [
  { name: "qa-pgp", note: `projects/${signingProject}/notes/qa-pgp` },
  { name: "qa-ecdsa", note: `projects/${signingProject}/notes/qa-ecdsa` },
] as const;

export interface AdmissionWorld {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM of the CA that signed the webhook's certificate. */
  readonly ca: string;
  readonly policyDir: string;
  /** grafeas.v1 occurrences (proto3 JSON), one PGP and one ECDSA attestation per image. */
  readonly occurrences: readonly Record<string, unknown>[];
}

/** Keys, certificates, the policy directory, and the attestations of every image in `images`. */
export async function prepareAdmission(workDir: string, images: readonly string[], log: (m: string) => void): Promise<AdmissionWorld> {
  const started = performance.now();
  const tlsDir = join(workDir, "tls");
  const certificates = await generateWebhookCertificates({ service: "scriba-bench", namespace: reviewNamespace, ipAddresses: ["127.0.0.1"] });
  const files = await writeWebhookCertificates(tlsDir, certificates, { force: true });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pkix = {
    privatePem: ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: ec.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
  const home = GpgHome.create();
  const occurrences: Record<string, unknown>[] = [];
  let armored: string;
  try {
    const fingerprint = home.generate("bench-qa@scriba.invalid", "rsa3072", "sign", "never");
    armored = home.exportPublic(fingerprint);
    for (const image of images) {
      const payload = simpleSigningPayload(parseImageReference(image));
      const pgpSigned = await gpgSign(payload, { key: fingerprint, mode: "detached", armor: false, homedir: home.dir });
      const ecSigned = signWithPrivateKey(pkix.privatePem, payload);
      const attestation = (note: string, signature: Uint8Array, publicKeyId: string) => ({
        resourceUri: `https://${image}`,
        noteName: note,
        attestation: {
          serializedPayload: Buffer.from(payload).toString("base64"),
          signatures: [{ signature: Buffer.from(signature).toString("base64"), publicKeyId }],
        },
      });
      occurrences.push(attestation(authorities[0].note, pgpSigned.output, pgpSigned.publicKeyId));
      occurrences.push(attestation(authorities[1].note, ecSigned.signature, ecSigned.keyId));
    }
  } finally {
    home.remove();
  }
  const policyDir = join(workDir, "policies");
  mkdirSync(policyDir, { recursive: true });
  writeFileSync(join(policyDir, "authorities.yaml"), [
    authorityYaml(authorities[0].name, reviewNamespace, authorities[0].note, [{ pgp: armored }]),
    authorityYaml(authorities[1].name, reviewNamespace, authorities[1].note, [{ pkix }]),
  ].join("\n---\n"));
  writeFileSync(join(policyDir, "policy.yaml"), gapYaml("require-qa", reviewNamespace, authorities.map((a) => a.name)));
  log(`  made keys, certificates and ${occurrences.length} attestations (${images.length} images × gpg and ECDSA) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { certFile: files.certificate, keyFile: files.privateKey, ca: readFileSync(files.caCertificate, "utf8"), policyDir, occurrences };
}

/** Stores the attestations' notes and occurrences through the server's REST API. */
async function storeAttestations(url: string, world: AdmissionWorld): Promise<void> {
  for (const authority of authorities) {
    const noteId = authority.note.slice(authority.note.lastIndexOf("/") + 1);
    await expectHttpOk("scriba", url, {
      method: "POST",
      path: `/v1/projects/${signingProject}/notes?noteId=${noteId}`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ attestation: { hint: { humanReadableName: noteId } } }),
    });
  }
  for (let start = 0; start < world.occurrences.length; start += 1000) {
    await expectHttpOk("scriba", url, {
      method: "POST",
      path: `/v1/projects/${attestationProject}/occurrences:batchCreate`,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ occurrences: world.occurrences.slice(start, start + 1000) }),
    });
  }
}

/**
 * Where the webhook reads its metadata:
 * - `in-process`: `scriba serve --policy-dir …`, the webhook beside the
 *   Grafeas API in one process, reading the store directly (it never reuses
 *   answers, by design: reading costs little and a new attestation counts at
 *   once; verdicts are still cached);
 * - `remote`: `scriba webhook --server URL`, as deployed apart from the
 *   metadata server, reading it over REST with both caches (answers 30 s,
 *   verdicts 5 min by default), so a warm review makes no call at all. The
 *   metadata server (`scriba serve`, same store) runs on the server CPU too
 *   and is only asked on a cache miss; the figure measures the webhook's
 *   process.
 */
export type MetadataPlacement = "in-process" | "remote";

const recordsOff = ["--audit-records", "off", "--deployment-records", "off"];

function policyArgs(world: AdmissionWorld): string[] {
  return ["--policy-dir", world.policyDir, "--tls-cert", world.certFile, "--tls-key", world.keyFile];
}

/** The webhook on the bench policies, over a store holding the attestations. */
export async function startAdmissionScriba(
  context: SuiteContext,
  world: AdmissionWorld,
  name: string,
  placement: MetadataPlacement,
  extraArgs: readonly string[],
): Promise<RunningScriba> {
  const storage = `sqlite:${join(context.workDir, `${name.replace(/[^a-z0-9-]/gi, "_")}.sqlite`)}`;
  const inProcess = placement === "in-process";
  const metadata = await startScribaServe({
    name: inProcess ? name : `${name} metadata server`,
    storage,
    extraArgs: inProcess ? [...policyArgs(world), "--webhook-listen", "127.0.0.1:0", ...recordsOff, ...extraArgs] : [],
    webhook: inProcess,
    cpus: context.cpus.serverCpus,
    nodeArgs: inProcess ? context.profileArgs(name) : [],
  });
  try {
    await storeAttestations(metadata.url, world);
    if (inProcess) return metadata;
    const webhook = await startScribaWebhook({
      name,
      args: ["--server", metadata.url, ...policyArgs(world), ...recordsOff, ...extraArgs],
      cpus: context.cpus.serverCpus,
      nodeArgs: context.profileArgs(name),
    });
    return {
      ...webhook,
      stop: async () => {
        await webhook.stop();
        await metadata.stop();
      },
    };
  } catch (error) {
    await metadata.stop();
    throw error;
  }
}

export function startNoopWebhook(context: SuiteContext, world: AdmissionWorld): Promise<RunningServer> {
  return startBaselineServer("no-op webhook", { kind: "noop-webhook", certFile: world.certFile, keyFile: world.keyFile }, context.cpus.serverCpus, context.workDir);
}

function httpsText(url: string, ca: string, template: HttpRequestTemplate): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(template.path, url), { method: template.method, ca, headers: template.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(template.body);
  });
}

/** One review; fails unless the answer is `allowed: true` for the request's uid. */
export async function expectAllowed(name: string, url: string, ca: string, review: HttpRequestTemplate): Promise<void> {
  const answer = await httpsText(url, ca, review);
  if (answer.status !== 200) throw new Error(`${name} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  const decided = reviewAnswer(answer.body);
  const uid = (JSON.parse(review.body!) as { request: { uid: string } }).request.uid;
  if (decided.uid !== uid) throw new Error(`${name} answered uid ${decided.uid} for ${uid}`);
  if (!decided.allowed) throw new Error(`${name} denied the review: ${decided.message ?? "(no message)"}`);
}

export interface WebhookCounters {
  readonly decisions: number;
  readonly denials: number;
  readonly verifications: number;
  /** Verification-cache lookups that joined a verification already running. */
  readonly shared: number;
  /** Calls to the metadata source (in-process or over REST). */
  readonly metadataCalls: number;
}

export async function webhookCounters(url: string, ca: string): Promise<WebhookCounters> {
  const text = (await httpsText(url, ca, { method: "GET", path: "/metrics" })).body;
  return {
    decisions: metricSum(text, "scriba_admission_decisions_total"),
    denials: metricSum(text, "scriba_admission_decisions_total", { decision: "deny" }),
    verifications: metricSum(text, "scriba_admission_verifications_total"),
    shared: metricSum(text, "scriba_admission_cache_requests_total", { cache: "verification", result: "shared" }),
    metadataCalls: metricSum(text, "scriba_metadata_call_duration_seconds_count"),
  };
}

export function difference(after: WebhookCounters, before: WebhookCounters): WebhookCounters {
  return {
    decisions: after.decisions - before.decisions,
    denials: after.denials - before.denials,
    verifications: after.verifications - before.verifications,
    shared: after.shared - before.shared,
    metadataCalls: after.metadataCalls - before.metadataCalls,
  };
}

/**
 * How a figure's Scriba rounds are checked: every review allowed, and the
 * verifications a cache state implies (`perReview` each), give or take
 * `slack` (warm verdicts that expired during the run are verified again).
 */
export function checkRound(counted: WebhookCounters, perReview: number, slack = 0): string | undefined {
  if (counted.decisions === 0) return "the webhook decided no review";
  if (counted.denials > 0) return `${counted.denials} of ${counted.decisions} reviews were denied`;
  const expected = counted.decisions * perReview;
  if (Math.abs(counted.verifications - expected) > slack) {
    return `${counted.verifications} verifications ran for ${counted.decisions} reviews, expected ${expected}${slack > 0 ? ` ± ${slack}` : ""}`;
  }
  return undefined;
}

export interface ReviewFigure {
  readonly id: string;
  readonly suite: string;
  readonly issue: number;
  readonly title: string;
  readonly containers: number;
  readonly connections: number;
  readonly requests: readonly HttpRequestTemplate[];
  readonly metric: "throughput" | "latency";
  readonly target?: Target | undefined;
  /** Verifications each review must run (containers × authorities cold, 0 warm). */
  readonly verificationsPerReview: number;
  /** Verifications a round may run beyond that (warm: verdicts that expired). */
  readonly verificationSlack?: number | undefined;
  readonly setup: string;
  readonly oursLabel: string;
  readonly timing?: LoadTiming | undefined;
}

/** Runs one review figure: the no-op webhook and Scriba's in alternating rounds, each Scriba round checked. */
export async function reviewFigure(
  context: SuiteContext,
  world: AdmissionWorld,
  noop: RunningServer,
  ours: RunningScriba,
  figure: ReviewFigure,
): Promise<void> {
  const webhookUrl = ours.webhookUrl!;
  await expectAllowed("scriba", webhookUrl, world.ca, figure.requests[0]!);
  await expectAllowed("no-op webhook", noop.url, world.ca, figure.requests[0]!);
  const definition: FigureDefinition = {
    id: figure.id,
    suite: figure.suite,
    issue: figure.issue,
    title: figure.title,
    unit: "reviews/s",
    metric: figure.metric,
    oursLabel: figure.oursLabel,
    baselineLabel: "no-op node:https webhook",
    target: figure.target,
    setup: figure.setup,
  };
  context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
  // HTTPS, and the burst figure, are the Node generator's: both sides use it.
  const load: LoadRunContext = { ...context.load, tool: "node" };
  const spec = (url: string): HttpLoadSpec => ({
    protocol: "http",
    url,
    connections: figure.connections,
    requests: figure.requests,
    order: "cycle",
    insecureTls: true,
    ...(figure.timing ?? context.timing),
  });
  const problems: string[] = [];
  const counts: string[] = [];
  const rounds: Rounds = await alternate(
    context.options.rounds,
    () => measureServer(noop.pid, spec(noop.url), load),
    async (round): Promise<Measurement> => {
      const before = await webhookCounters(webhookUrl, world.ca);
      const measured = await measureServer(ours.pid, spec(webhookUrl), load);
      const counted = difference(await webhookCounters(webhookUrl, world.ca), before);
      const problem = checkRound(counted, figure.verificationsPerReview, figure.verificationSlack);
      if (problem !== undefined) problems.push(`round ${round}: ${problem}`);
      counts.push(`${counted.decisions} reviews, ${counted.verifications} verifications, ${counted.metadataCalls} metadata calls`);
      return problem === undefined ? measured : { ...measured, errors: measured.errors + 1, errorSamples: [...measured.errorSamples, problem] };
    },
    context.log,
  );
  context.figure(makeFigure(definition, rounds, [...problems, `webhook counters per round (warm-up included): ${counts.join("; ")}`]));
}
