/**
 * @module admission/metadata-fetch
 *
 * The only I/O of a review: every query of the plan, all at once, under one
 * deadline. A query that fails or does not finish in time does not fail the
 * others; it is recorded as a failed {@link FetchResult}, and the evaluation
 * decides (per the KritisConfig `metadataFailurePolicy`) what a missing
 * answer means for the images that needed it. A source that ignores the
 * abort signal cannot hold the request past the deadline either: each call is
 * raced against it.
 */
import { ScribaError } from "../errors.js";
import type { FetchResult, MetadataSnapshot } from "./admission-evidence.js";
import { attestationQueryKey } from "./admission-evidence.js";
import type { AdmissionPlan } from "./admission-plan.js";
import type { AnswerCache, AnswerQuestion } from "./cache/answer-cache.js";
import type { MetadataSource } from "./metadata-source.js";

export interface FetchOptions {
  /** The whole fetch's budget (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Aborted when the caller gives up (the client went away). */
  readonly signal?: AbortSignal | undefined;
  /**
   * The cache `source` answers through: when it holds every answer, they are
   * taken from it directly, with no call, timer or abort signal (counted as
   * hits all the same).
   */
  readonly answers?: AnswerCache | undefined;
}

/** The snapshot of a plan that needs no metadata: nothing in it can go stale. */
export const emptySnapshot: MetadataSnapshot = { attestations: new Map(), vulnerabilities: new Map(), storedUntil: Infinity };

function describeFailure(error: unknown): string {
  if (error instanceof ScribaError) return error.message;
  return "internal error";
}

/** Resolves with the call's occurrences, or rejects when it fails or the deadline passes first. */
function raced(call: Promise<readonly unknown[]>, deadline: Promise<never>): Promise<readonly unknown[]> {
  return Promise.race([call, deadline]);
}

async function settle(call: () => Promise<readonly unknown[]>, deadline: Promise<never>): Promise<FetchResult> {
  try {
    return { ok: true, occurrences: await raced(call(), deadline) };
  } catch (error) {
    return { ok: false, detail: describeFailure(error) };
  }
}

/** The snapshot from the answers `cache` holds, when it holds every one the plan needs. */
function storedSnapshot(plan: AdmissionPlan, cache: AnswerCache): MetadataSnapshot | undefined {
  const questions: AnswerQuestion[] = [];
  for (const query of plan.attestationQueries) questions.push({ kind: "note", name: query.noteReference, resourceUris: query.resourceUris });
  for (const query of plan.vulnerabilityQueries) {
    for (const project of query.projects) questions.push({ kind: "vulnerabilities", name: project, resourceUris: query.resourceUris });
  }
  const stored = cache.storedAnswers(questions);
  if (stored === undefined) return undefined;
  const answers = stored.answers;
  let next = 0;
  const attestations = new Map<string, FetchResult>();
  for (const query of plan.attestationQueries) {
    attestations.set(attestationQueryKey(query.noteReference, query.pinned), { ok: true, occurrences: answers[next++]! });
  }
  const vulnerabilities = new Map<string, FetchResult>();
  for (const query of plan.vulnerabilityQueries) {
    const perProject = query.projects.map(() => answers[next++]!);
    vulnerabilities.set(query.pinned, { ok: true, occurrences: perProject.flat() });
  }
  return { attestations, vulnerabilities, storedUntil: stored.expiresAt };
}

/** Fetches everything the plan needs, concurrently. Never rejects. */
export async function fetchMetadata(plan: AdmissionPlan, source: MetadataSource, options: FetchOptions = {}): Promise<MetadataSnapshot> {
  if (plan.attestationQueries.length === 0 && plan.vulnerabilityQueries.length === 0) return emptySnapshot;
  const stored = options.answers === undefined ? undefined : storedSnapshot(plan, options.answers);
  if (stored !== undefined) return stored;
  const timeoutMs = options.timeoutMs ?? 5000;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onCancel: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const expire = (why: string) => {
      const error = new ScribaError("DEADLINE_EXCEEDED", why);
      controller.abort(error);
      reject(error);
    };
    timer = setTimeout(() => expire(`${source.description} did not answer within ${timeoutMs} ms`), timeoutMs);
    onCancel = () => expire("the review was cancelled");
    if (options.signal?.aborted) onCancel();
    else options.signal?.addEventListener("abort", onCancel, { once: true });
  });
  deadline.catch(() => undefined);
  const call = { signal: controller.signal };

  try {
    const attestations = Promise.all(
      plan.attestationQueries.map(async (query) => {
        const result = await settle(() => source.noteOccurrences(query.noteReference, query.resourceUris, call), deadline);
        return [attestationQueryKey(query.noteReference, query.pinned), result] as const;
      }),
    );
    const vulnerabilities = Promise.all(
      plan.vulnerabilityQueries.map(async (query) => {
        const perProject = await Promise.all(
          query.projects.map((project) =>
            settle(() => source.vulnerabilityOccurrences(project, query.resourceUris, call), deadline),
          ),
        );
        const failed = perProject.find((r): r is FetchResult & { ok: false } => !r.ok);
        const result: FetchResult =
          failed ?? { ok: true, occurrences: perProject.flatMap((r) => (r.ok ? r.occurrences : [])) };
        return [query.pinned, result] as const;
      }),
    );
    return { attestations: new Map(await attestations), vulnerabilities: new Map(await vulnerabilities) };
  } finally {
    clearTimeout(timer);
    if (onCancel !== undefined) options.signal?.removeEventListener("abort", onCancel);
  }
}
