/**
 * @module bench/lib/cpu-profile
 *
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` writes) and says where the
 * time went: the functions with the most self time, the functions with the
 * most inclusive time (itself and everything it called), and self time by
 * area (Scriba's own modules by file, dependencies by package, Node's
 * internals, GC). This is how the notes in docs/benchmarks.md name the code
 * that costs.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly micros: number;
  readonly share: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle, in microseconds. */
  readonly busyMicros: number;
  readonly self: readonly ProfileEntry[];
  readonly inclusive: readonly ProfileEntry[];
  readonly areas: readonly ProfileEntry[];
}

const idle = new Set(["(idle)", "(program)", "(root)"]);

function shortUrl(url: string): string {
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) return url.slice(modules + "node_modules/".length);
  const build = url.indexOf("/build/");
  if (build >= 0) return url.slice(build + "/build/".length);
  return url.replace(/^file:\/\//, "");
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === "" ? "(anonymous)" : functionName;
  return url === "" ? name : `${name} ${shortUrl(url)}:${lineNumber + 1}`;
}

/** The area a frame belongs to: `scriba src/wire/rest-edge.js`, `dep @grpc/grpc-js`, `node:internal`, `(garbage collector)`. */
function areaOf(node: ProfileNode): string {
  const url = node.callFrame.url;
  if (url === "") return node.callFrame.functionName.startsWith("(") ? node.callFrame.functionName : "native";
  const modules = url.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = url.slice(modules + "node_modules/".length).split("/");
    return `dep ${rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith("node:")) return "node:internal";
  const src = url.indexOf("/src/");
  if (src >= 0) return `scriba ${url.slice(src + 1)}`;
  return shortUrl(url);
}

function top(map: Map<string, number>, busy: number, count: number): ProfileEntry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, micros]) => ({ name, micros, share: busy > 0 ? micros / busy : 0 }));
}

export function summarizeProfile(path: string, count = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0;
    const node = byId.get(id);
    if (node === undefined || idle.has(node.callFrame.functionName)) return;
    busy += delta;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + delta);
    const area = areaOf(node);
    areas.set(area, (areas.get(area) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame === undefined || idle.has(frame.callFrame.functionName)) continue;
      const key = frameName(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + delta);
    }
  });
  return { busyMicros: busy, self: top(self, busy, count), inclusive: top(inclusive, busy, count), areas: top(areas, busy, count) };
}

export function formatProfile(summary: ProfileSummary): string {
  const lines = (title: string, entries: readonly ProfileEntry[]) => [
    title,
    ...entries.map((e) => `  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`),
  ];
  return [
    `busy ${(summary.busyMicros / 1e6).toFixed(2)} s`,
    ...lines("self time by area:", summary.areas),
    ...lines("self time by function:", summary.self),
    ...lines("inclusive time by function:", summary.inclusive),
  ].join("\n");
}

/** The Node options that make a process write its profile into `dir` when it exits. */
export function profileArgs(dir: string | undefined): string[] {
  return dir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", dir];
}

/** The newest `.cpuprofile` in `dir`, if any. */
export function newestProfile(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  } catch {
    return undefined;
  }
  const newest = files
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  return newest;
}
