/**
 * @module bench/lib/list-workload
 *
 * What the list figures of every store ask (suites list and pg): the first
 * page of `ListOccurrences` filtered by one image's resource URI, over a
 * sample of the stored images, in a store grown in place from one size to the
 * next with about 100 occurrences per image.
 */
import type { HttpRequestTemplate } from "./load-spec.js";
import { seededRandom } from "./load-window.js";
import { benchProject, imageUri, randomResources, type SeedPlan } from "./workload.js";

export const occurrencesPerImage = 100;
export const listPageSizes = [20, 100] as const;
/** Distinct resources the requests cycle through (drawn at random among all images). */
export const sampledResources = 2000;

/** 100000 → `100k`, 1000000 → `1M`. */
export function sizeLabel(size: number): string {
  return size >= 1e6 && size % 1e6 === 0 ? `${size / 1e6}M` : size >= 1e3 && size % 1e3 === 0 ? `${size / 1e3}k` : String(size);
}

export function sampleResources(images: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: Math.min(sampledResources, images) }, () => imageUri(Math.floor(random() * images)));
}

export function listRequest(uri: string, pageSize: number): HttpRequestTemplate {
  const filter = encodeURIComponent(`resourceUri="${uri}"`);
  return { method: "GET", path: `/v1/projects/${benchProject}/occurrences?filter=${filter}&pageSize=${pageSize}` };
}

/**
 * The seed plan that grows a store from `stored` to `size` occurrences: each
 * new row on one of that step's new images, at random, so an image's
 * occurrences are scattered across the table (the pessimistic layout).
 */
export function growthPlan(stored: number, size: number, onProgress?: (done: number) => void): SeedPlan {
  const firstImage = Math.ceil(stored / occurrencesPerImage);
  const images = Math.ceil(size / occurrencesPerImage) - firstImage;
  return { from: stored, to: size, resourceOf: randomResources(firstImage, images, size), onProgress };
}

/** Checks that a first page lists occurrences of `uri` and only those. */
export function checkListed(body: string, uri: string): void {
  const page = JSON.parse(body) as { occurrences?: { resourceUri: string }[] };
  const listed = page.occurrences ?? [];
  if (listed.length === 0 || listed.some((o) => o.resourceUri !== uri)) {
    throw new Error(`the filtered list returned ${listed.length} occurrences, not those of ${uri}`);
  }
}
