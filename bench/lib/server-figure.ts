/**
 * @module bench/lib/server-figure
 *
 * The common shape of a server-against-server figure: both servers already
 * running on the server CPU, the same load spec pointed at each in
 * alternating rounds, the figure built from the two series.
 */
import { alternate, makeFigure, type FigureDefinition } from "./figures.js";
import type { LoadSpec } from "./load-spec.js";
import { measureServer, type Measurement } from "./load-runner.js";
import type { RunningServer } from "./servers.js";
import type { SuiteContext } from "./suite.js";

export type SpecFor = (url: string) => LoadSpec;

export async function compareServers(
  context: SuiteContext,
  definition: FigureDefinition,
  baseline: RunningServer,
  ours: RunningServer,
  specFor: SpecFor,
  options: { readonly opsPerRequest?: number; readonly notes?: readonly string[] } = {},
): Promise<void> {
  context.log(`  ${definition.id}: ${definition.title} (${definition.setup})`);
  const measure = (server: RunningServer): Promise<Measurement> =>
    measureServer(server.pid, specFor(server.url), context.load, options.opsPerRequest ?? 1);
  const rounds = await alternate(
    context.options.rounds,
    () => measure(baseline),
    () => measure(ours),
    context.log,
  );
  context.figure(makeFigure(definition, rounds, options.notes));
}
