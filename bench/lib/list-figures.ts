/**
 * @module bench/lib/list-figures
 *
 * The list figures every store is measured with (suites list and pg): for
 * each page size, the first page of `ListOccurrences` by resource over the
 * sampled images, one request at a time against the running Scriba, beside
 * the store's own list SQL run raw by an in-process task.
 */
import { alternate, makeFigure, type FigureDefinition } from "./figures.js";
import { checkListed, listPageSizes, listRequest, occurrencesPerImage, sampleResources, sizeLabel } from "./list-workload.js";
import type { HttpLoadSpec } from "./load-spec.js";
import { measureServer } from "./load-runner.js";
import { expectHttpOk } from "./probe.js";
import type { RunningScriba } from "./servers.js";
import type { SuiteContext } from "./suite.js";
import { measureTask } from "./task-loop.js";

export interface ListFigureStore {
  /** Figure ids start with it: `list` → `list.1m.page20`. */
  readonly idPrefix: string;
  readonly suite: string;
  readonly issue: number;
  /** Follows "ListOccurrences by resource" in titles: "" or " on PostgreSQL". */
  readonly titleSuffix: string;
  readonly oursLabel: string;
  readonly baselineLabel: string;
  /** The p99 target, in ms, at sizes of at least `targetSize`. */
  readonly targetP99Ms: number;
  readonly targetSize: number;
  /** The in-process task that runs the store's own list SQL raw. */
  readonly baselineTask: (resourceUris: readonly string[], pageSize: number) => { task: string; params: unknown };
  readonly notes?: readonly string[];
}

/** Measures one figure per page size at `size` stored occurrences. */
export async function measureListFigures(context: SuiteContext, ours: RunningScriba, size: number, store: ListFigureStore): Promise<void> {
  const images = Math.ceil(size / occurrencesPerImage);
  const uris = sampleResources(images, size);
  for (const pageSize of listPageSizes) {
    const requests = uris.map((uri) => listRequest(uri, pageSize));
    checkListed(await expectHttpOk("scriba", ours.url, requests[0]!), uris[0]!);
    const definition: FigureDefinition = {
      id: `${store.idPrefix}.${sizeLabel(size).toLowerCase()}.page${pageSize}`,
      suite: store.suite,
      issue: store.issue,
      title: `ListOccurrences by resource${store.titleSuffix}, ${sizeLabel(size)} stored, pageSize ${pageSize}`,
      unit: "req/s",
      metric: "latency",
      oursLabel: store.oursLabel,
      baselineLabel: store.baselineLabel,
      target: size >= store.targetSize ? { kind: "max-p99-ms", value: store.targetP99Ms } : undefined,
      setup: `first page of resourceUri="…" over ${uris.length} random images of ${images} (about ${occurrencesPerImage} occurrences each), one request at a time`,
    };
    context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
    const spec: HttpLoadSpec = { protocol: "http", url: ours.url, connections: 1, requests, order: "cycle", ...context.timing };
    const rounds = await alternate(
      context.options.rounds,
      () => measureTask({ ...store.baselineTask(uris, pageSize), ...context.timing }, context.cpus.serverCpus, context.workDir),
      () => measureServer(ours.pid, spec, context.load),
      context.log,
    );
    context.figure(makeFigure(definition, rounds, store.notes));
  }
}
