/**
 * @module wire/http-template
 *
 * Compiles and matches google.api.http path templates:
 *
 *     Template = "/" Segments [ Verb ] ;
 *     Segments = Segment { "/" Segment } ;
 *     Segment  = "*" | "**" | LITERAL | Variable ;
 *     Variable = "{" FieldPath [ "=" Segments ] "}" ;
 *     Verb     = ":" LITERAL ;
 *
 * e.g. `/v1/{name=projects/*\/notes/*}`, `/v1/{parent=projects/*}/notes:batchCreate`,
 * `/v1/projects`. Matching works on a path already split at "/", compares
 * strings only, and allocates nothing unless the path matches, because the
 * REST edge runs it on every request.
 */

/** Matches exactly one path segment. */
export const anySegment = "*";
/** Matches the rest of the path (zero or more segments); only last. */
export const restOfPath = "**";

export interface TemplateVariable {
  /** The request field the value binds to, split at dots (`["name"]`). */
  readonly fieldPath: readonly string[];
  /** Index of the first segment the variable covers. */
  readonly start: number;
  /** Index after the last segment it covers; -1 when it ends with `**`. */
  readonly end: number;
}

export interface CompiledTemplate {
  readonly source: string;
  /** Literal segment text, or `*` / `**`. */
  readonly segments: readonly string[];
  /** The custom verb without its colon (`batchCreate`), if any. */
  readonly verb: string | undefined;
  readonly variables: readonly TemplateVariable[];
  /** How many segments are literals: more literals win when two templates match. */
  readonly literalCount: number;
  readonly endsWithRest: boolean;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const literalText = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;

function invalid(source: string, why: string): Error {
  return new Error(`invalid HTTP path template "${source}": ${why}`);
}

function checkSegment(source: string, segment: string): void {
  if (segment === anySegment || segment === restOfPath) return;
  if (!literalText.test(segment)) throw invalid(source, `bad segment "${segment}"`);
}

/** Parses a template; throws on anything outside the grammar (it comes from our own protos). */
export function compileTemplate(source: string): CompiledTemplate {
  if (!source.startsWith("/")) throw invalid(source, "must start with /");
  const segments: string[] = [];
  const variables: TemplateVariable[] = [];
  let verb: string | undefined;
  let position = 1;
  while (position <= source.length) {
    if (source[position] === "{") {
      const close = source.indexOf("}", position);
      if (close < 0) throw invalid(source, "unclosed {");
      const body = source.slice(position + 1, close);
      const equals = body.indexOf("=");
      const fieldPath = (equals < 0 ? body : body.slice(0, equals)).split(".");
      if (!fieldPath.every((part) => identifier.test(part))) throw invalid(source, `bad field path "${body}"`);
      const inner = equals < 0 ? [anySegment] : body.slice(equals + 1).split("/");
      const start = segments.length;
      for (const segment of inner) {
        checkSegment(source, segment);
        segments.push(segment);
      }
      variables.push({ fieldPath, start, end: inner.at(-1) === restOfPath ? -1 : segments.length });
      position = close + 1;
    } else {
      let stop = position;
      while (stop < source.length && source[stop] !== "/" && source[stop] !== ":") stop++;
      const segment = source.slice(position, stop);
      checkSegment(source, segment);
      segments.push(segment);
      position = stop;
    }
    if (position >= source.length) break;
    if (source[position] === ":") {
      verb = source.slice(position + 1);
      if (!literalText.test(verb) || verb.includes(":")) throw invalid(source, `bad verb "${verb}"`);
      break;
    }
    if (source[position] !== "/") throw invalid(source, `unexpected "${source[position]}"`);
    position++;
  }
  const restAt = segments.indexOf(restOfPath);
  if (restAt >= 0 && restAt !== segments.length - 1) throw invalid(source, "** must be the last segment");
  return {
    source,
    segments,
    verb,
    variables,
    literalCount: segments.filter((s) => s !== anySegment && s !== restOfPath).length,
    endsWithRest: restAt >= 0,
  };
}

/**
 * A request path split for matching: `segments` as sent; when the last
 * segment contains a colon, `stem` and `verb` split it at the last colon so a
 * template with a custom verb can match without re-splitting per template.
 * IDs may contain colons too, so templates without a verb see the whole segment.
 */
export interface SplitPath {
  readonly segments: readonly string[];
  readonly stem: string | undefined;
  readonly verb: string | undefined;
}

/** Splits a path (no query string) that starts with "/"; undefined otherwise. */
export function splitPath(path: string): SplitPath | undefined {
  if (path.charCodeAt(0) !== 47 /* / */) return undefined;
  const segments = path.slice(1).split("/");
  const last = segments[segments.length - 1] ?? "";
  const colon = last.lastIndexOf(":");
  if (colon < 0) return { segments, stem: undefined, verb: undefined };
  return { segments, stem: last.slice(0, colon), verb: last.slice(colon + 1) };
}

function segmentMatches(pattern: string, actual: string): boolean {
  if (pattern === anySegment) return actual.length > 0;
  return pattern === actual;
}

/** Whether `path` matches `template` (no bindings are produced). */
export function templateMatches(template: CompiledTemplate, path: SplitPath): boolean {
  const patterns = template.segments;
  const actual = path.segments;
  const fixed = template.endsWithRest ? patterns.length - 1 : patterns.length;
  if (template.endsWithRest ? actual.length < fixed : actual.length !== fixed) return false;
  if (template.verb !== undefined && path.verb !== template.verb) return false;
  const lastIndex = actual.length - 1;
  for (let i = 0; i < fixed; i++) {
    const segment = i === lastIndex && template.verb !== undefined ? (path.stem ?? "") : (actual[i] ?? "");
    if (!segmentMatches(patterns[i] ?? "", segment)) return false;
  }
  return true;
}

function decodeSegment(segment: string, keepSlashEscapes: boolean): string {
  if (!segment.includes("%")) return segment;
  if (!keepSlashEscapes) return decodeURIComponent(segment);
  return segment.split(/%2F/i).map(decodeURIComponent).join("%2F");
}

/**
 * The variable values of a path that matched `template`, percent-decoded
 * (a `**` capture keeps `%2F`, as google.api.http specifies). Throws URIError
 * on malformed escapes.
 */
export function templateBindings(
  template: CompiledTemplate,
  path: SplitPath,
): { fieldPath: readonly string[]; value: string }[] {
  const actual = path.segments;
  const lastIndex = actual.length - 1;
  return template.variables.map((variable) => {
    const end = variable.end < 0 ? actual.length : variable.end;
    const parts: string[] = [];
    for (let i = variable.start; i < end; i++) {
      const raw = i === lastIndex && template.verb !== undefined ? (path.stem ?? "") : (actual[i] ?? "");
      parts.push(decodeSegment(raw, variable.end < 0));
    }
    return { fieldPath: variable.fieldPath, value: parts.join("/") };
  });
}
