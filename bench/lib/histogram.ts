/**
 * @module bench/lib/histogram
 *
 * A latency histogram in microseconds with bounded memory and bounded error,
 * in the spirit of HdrHistogram: values below 256 µs are counted exactly, and
 * every octave above is split into 128 linear sub-buckets, so a percentile is
 * off by at most 1/128 (0.8%) of its value. Load generators record into one
 * per run; histograms from several connections or processes merge by adding
 * counts. They travel between processes as sparse `[index, count]` pairs.
 */

const exactLimit = 256;
const subBuckets = 128;
/** 2^31 µs ≈ 36 minutes: far beyond any request this harness times. */
const maxValue = 2 ** 31 - 1;
const bucketCount = exactLimit + (31 - 8) * subBuckets;

function indexOf(value: number): number {
  if (value < exactLimit) return value;
  const msb = 31 - Math.clz32(value);
  const shift = msb - 7;
  return exactLimit + (shift - 1) * subBuckets + ((value >>> shift) - subBuckets);
}

/** The largest value that lands in bucket `index` (so percentiles never under-report). */
function upperValueOf(index: number): number {
  if (index < exactLimit) return index;
  const offset = index - exactLimit;
  const shift = Math.floor(offset / subBuckets) + 1;
  const sub = (offset % subBuckets) + subBuckets;
  return ((sub + 1) << shift) - 1;
}

/** The wire form: total, exact extremes and sum, and the non-empty buckets. */
export interface HistogramData {
  readonly count: number;
  readonly minMicros: number;
  readonly maxMicros: number;
  readonly sumMicros: number;
  readonly buckets: readonly (readonly [number, number])[];
}

export class LatencyHistogram {
  readonly #counts = new Float64Array(bucketCount);
  #count = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;
  #sum = 0;

  /** Records one latency, in (fractional) microseconds. */
  record(micros: number): void {
    const value = Math.min(maxValue, Math.max(0, Math.round(micros)));
    this.#counts[indexOf(value)]! += 1;
    this.#count += 1;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  get count(): number {
    return this.#count;
  }

  /** Mean in microseconds; 0 when empty. */
  get meanMicros(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * The value at or below which `percent`% of the recorded values fall (the
   * bucket's upper edge, capped at the true maximum); 0 when empty.
   */
  percentileMicros(percent: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((percent / 100) * this.#count));
    let seen = 0;
    for (let index = 0; index < bucketCount; index++) {
      seen += this.#counts[index]!;
      if (seen >= rank) return Math.min(upperValueOf(index), this.#max);
    }
    return this.#max;
  }

  merge(other: LatencyHistogram | HistogramData): this {
    const data = other instanceof LatencyHistogram ? other.toData() : other;
    for (const [index, count] of data.buckets) this.#counts[index]! += count;
    this.#count += data.count;
    this.#sum += data.sumMicros;
    if (data.count > 0) {
      this.#min = Math.min(this.#min, data.minMicros);
      this.#max = Math.max(this.#max, data.maxMicros);
    }
    return this;
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    this.#counts.forEach((count, index) => {
      if (count > 0) buckets.push([index, count]);
    });
    return {
      count: this.#count,
      minMicros: this.#count === 0 ? 0 : this.#min,
      maxMicros: this.#max,
      sumMicros: this.#sum,
      buckets,
    };
  }

  static from(data: HistogramData): LatencyHistogram {
    return new LatencyHistogram().merge(data);
  }
}

/** The percentiles every figure reports, in milliseconds. */
export interface LatencySummary {
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

export function summarizeLatency(histogram: LatencyHistogram): LatencySummary {
  const ms = (micros: number) => micros / 1000;
  return {
    p50Ms: ms(histogram.percentileMicros(50)),
    p90Ms: ms(histogram.percentileMicros(90)),
    p99Ms: ms(histogram.percentileMicros(99)),
    maxMs: ms(histogram.percentileMicros(100)),
    meanMs: ms(histogram.meanMicros),
  };
}
