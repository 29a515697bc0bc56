/**
 * @module admission/instrumented-metadata
 *
 * A metadata source that measures every call it passes on: its duration in
 * `scriba_metadata_call_duration_seconds{operation}` and, when it fails, its
 * error code in `scriba_metadata_call_errors_total{operation, code}`. It
 * sits below the answer cache, so cache hits are not counted as calls: the
 * metric shows what the metadata server actually sees.
 */
import { ScribaError } from "../errors.js";
import type { AdmissionMetrics } from "./admission-metrics.js";
import type { MetadataSource } from "./metadata-source.js";
import { decorateMetadataSource } from "./metadata-source.js";

export function instrumentMetadata(source: MetadataSource, metrics: AdmissionMetrics): MetadataSource {
  async function measured<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } catch (error) {
      metrics.metadataCallErrors.inc({ operation, code: error instanceof ScribaError ? error.code : "INTERNAL" });
      throw error;
    } finally {
      metrics.metadataCallDuration.observe({ operation }, (performance.now() - started) / 1000);
    }
  }
  return decorateMetadataSource(source, {
    noteOccurrences: (note, uris, options) => measured("noteOccurrences", () => source.noteOccurrences(note, uris, options)),
    vulnerabilityOccurrences: (project, uris, options) =>
      measured("vulnerabilityOccurrences", () => source.vulnerabilityOccurrences(project, uris, options)),
    createNote: (project, noteId, note, options) => measured("createNote", () => source.createNote(project, noteId, note, options)),
    createOccurrence: (project, occurrence, options) => measured("createOccurrence", () => source.createOccurrence(project, occurrence, options)),
    listOccurrences: (project, filter, options) => measured("listOccurrences", () => source.listOccurrences(project, filter, options)),
    updateOccurrence: (name, occurrence, mask, options) =>
      measured("updateOccurrence", () => source.updateOccurrence(name, occurrence, mask, options)),
    probe: (options) => measured("probe", () => source.probe(options)),
  });
}
