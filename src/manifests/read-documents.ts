/**
 * @module manifests/read-documents
 *
 * Reads the documents of one Kubernetes-style manifest file: a `.json` file is
 * one JSON value; anything else is multi-document YAML (of which JSON is also
 * a subset). Each document comes back with its position and either its value
 * or a one-line problem (with line and column for YAML syntax errors), so the
 * caller can report a bad document precisely and go on with the others.
 * Empty documents are skipped; YAML aliases are bounded against expansion
 * bombs.
 */
import { LineCounter, parseAllDocuments } from "yaml";

export type ManifestDocument =
  /** `documentNumber` is 1-based; absent for a JSON file (one value). */
  | { readonly documentNumber?: number; readonly value: unknown; readonly problem?: undefined }
  | { readonly documentNumber?: number; readonly value?: undefined; readonly problem: string };

const firstLine = (text: string) => text.split("\n", 1)[0] ?? text;
const reasonOf = (error: unknown) => (error instanceof Error ? firstLine(error.message) : String(error));

export function readManifestDocuments(text: string, source: string): ManifestDocument[] {
  if (source.toLowerCase().endsWith(".json")) {
    try {
      return [{ value: JSON.parse(text) as unknown }];
    } catch (error) {
      return [{ problem: `not valid JSON: ${reasonOf(error)}` }];
    }
  }
  const lineCounter = new LineCounter();
  const out: ManifestDocument[] = [];
  parseAllDocuments(text, { prettyErrors: false, lineCounter }).forEach((document, index) => {
    const documentNumber = index + 1;
    const [error] = document.errors;
    if (error !== undefined) {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      out.push({ documentNumber, problem: `not valid YAML: line ${line}, column ${col}: ${firstLine(error.message)}` });
      return;
    }
    if (document.contents === null) return;
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (failure) {
      out.push({ documentNumber, problem: `not valid YAML: ${reasonOf(failure)}` });
      return;
    }
    if (value !== null && value !== undefined) out.push({ documentNumber, value });
  });
  return out;
}
