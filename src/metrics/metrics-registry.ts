/**
 * @module metrics/metrics-registry
 *
 * Counters, gauges and histograms, rendered in the Prometheus text exposition
 * format (version 0.0.4), which every Prometheus-compatible scraper reads.
 * Small on purpose: the webhook needs a handful of metrics, and a metric
 * update on the admission path is a map lookup and an addition.
 *
 * - Every metric declares its label names up front; a sample that gives
 *   another label, or leaves one out, is a programming error and throws, so
 *   a typo cannot silently start a new series.
 * - Label values are escaped (`\`, `"` and newlines), HELP text too.
 * - Histograms are cumulative, with `le="+Inf"`, `_sum` and `_count`, as the
 *   format requires.
 * - A gauge may be computed at scrape time (`collect`), for values such as a
 *   queue's depth that are cheaper to read than to track.
 *
 * Metric and label names are checked against the format's grammar when the
 * metric is declared.
 */

export type LabelValues = Readonly<Record<string, string>>;

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface MetricOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, ascending; `+Inf` is added. */
  readonly buckets: readonly number[];
}

export interface GaugeOptions extends MetricOptions {
  /** Computes the gauge's samples at scrape time instead of holding set values. */
  readonly collect?: () => number | ReadonlyArray<readonly [LabelValues, number]>;
}

/** Buckets for request latencies in seconds: 0.5 ms to 10 s. */
export const latencyBuckets: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

abstract class Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: "counter" | "gauge" | "histogram";

  constructor(options: MetricOptions) {
    if (!metricName.test(options.name)) throw new Error(`invalid metric name ${JSON.stringify(options.name)}`);
    for (const label of options.labelNames ?? []) {
      if (!labelName.test(label) || label.startsWith("__") || label === "le") {
        throw new Error(`invalid label name ${JSON.stringify(label)} for ${options.name}`);
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  /**
   * Series keys already made, as a tree of label values in declaration order
   * ending in the key under "" (labels are bounded by design): an update
   * finds its series without building a string.
   */
  readonly #keys = new Map<string, unknown>();

  /** The series key: the label values in declaration order. */
  protected keyOf(labels: LabelValues | undefined): string {
    const given = labels ?? {};
    // The usual case, found without allocating: every label given, as an own field, and nothing else.
    let node: Map<string, unknown> | undefined = this.#keys;
    let count = 0;
    for (const key in given) if (Object.hasOwn(given, key)) count += 1;
    if (count === this.labelNames.length) {
      for (let i = 0; i < this.labelNames.length && node !== undefined; i++) {
        const label = this.labelNames[i]!;
        const value = Object.hasOwn(given, label) ? given[label] : undefined;
        node = value === undefined ? undefined : (node.get(value) as Map<string, unknown> | undefined);
      }
      const known = node?.get("");
      if (typeof known === "string") return known;
    }
    const key = this.#makeKey(given);
    let at: Map<string, unknown> = this.#keys;
    for (const label of this.labelNames) {
      const value = given[label]!;
      let next = at.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        at.set(value, next);
      }
      at = next;
    }
    at.set("", key);
    return key;
  }

  #makeKey(given: LabelValues): string {
    for (const key of Object.keys(given)) {
      if (!this.labelNames.includes(key)) throw new Error(`${this.name} has no label ${JSON.stringify(key)}`);
    }
    return JSON.stringify(this.labelNames.map((label) => {
      const value = given[label];
      if (value === undefined) throw new Error(`${this.name} needs the label ${JSON.stringify(label)}`);
      return value;
    }));
  }

  protected labelText(key: string, extra?: string): string {
    const values = JSON.parse(key) as string[];
    const pairs = this.labelNames.map((label, i) => `${label}="${escapeLabelValue(values[i] ?? "")}"`);
    if (extra !== undefined) pairs.push(extra);
    return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
  }

  /** The HELP and TYPE lines, then the samples. */
  render(): string {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join("\n");
  }

  protected abstract samples(): string[];
}

/** A value that only goes up. */
export class Counter extends Metric {
  readonly type = "counter";
  readonly #values = new Map<string, number>();

  inc(labels?: LabelValues, amount = 1): void {
    if (amount < 0 || !Number.isFinite(amount)) throw new Error(`${this.name}: a counter only goes up`);
    const key = this.keyOf(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + amount);
  }

  /** The current value of one series (0 when it has never been incremented). */
  get(labels?: LabelValues): number {
    return this.#values.get(this.keyOf(labels)) ?? 0;
  }

  /** The sum over every series. */
  total(): number {
    let sum = 0;
    for (const value of this.#values.values()) sum += value;
    return sum;
  }

  protected samples(): string[] {
    return [...this.#values].map(([key, value]) => `${this.name}${this.labelText(key)} ${formatNumber(value)}`);
  }
}

/** A value that goes up and down, set by the code or computed at scrape time. */
export class Gauge extends Metric {
  readonly type = "gauge";
  readonly #values = new Map<string, number>();
  readonly #collect: GaugeOptions["collect"];

  constructor(options: GaugeOptions) {
    super(options);
    this.#collect = options.collect;
  }

  set(labels: LabelValues | undefined, value: number): void {
    this.#values.set(this.keyOf(labels), value);
  }

  inc(labels?: LabelValues, amount = 1): void {
    const key = this.keyOf(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + amount);
  }

  dec(labels?: LabelValues, amount = 1): void {
    this.inc(labels, -amount);
  }

  get(labels?: LabelValues): number {
    if (this.#collect !== undefined) {
      const key = this.keyOf(labels);
      const collected = this.#collect();
      if (typeof collected === "number") return collected;
      return collected.find(([l]) => this.keyOf(l) === key)?.[1] ?? 0;
    }
    return this.#values.get(this.keyOf(labels)) ?? 0;
  }

  protected samples(): string[] {
    if (this.#collect === undefined) {
      return [...this.#values].map(([key, value]) => `${this.name}${this.labelText(key)} ${formatNumber(value)}`);
    }
    const collected = this.#collect();
    const entries: ReadonlyArray<readonly [LabelValues, number]> = typeof collected === "number" ? [[{}, collected]] : collected;
    return entries.map(([labels, value]) => `${this.name}${this.labelText(this.keyOf(labels))} ${formatNumber(value)}`);
  }
}

interface HistogramSeries {
  readonly counts: number[];
  sum: number;
  count: number;
}

/** Observations counted into cumulative buckets. */
export class Histogram extends Metric {
  readonly type = "histogram";
  readonly buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries>();

  constructor(options: HistogramOptions) {
    super(options);
    const sorted = [...options.buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
      throw new Error(`${options.name}: buckets must be distinct finite numbers`);
    }
    this.buckets = sorted;
  }

  observe(labels: LabelValues | undefined, value: number): void {
    const key = this.keyOf(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      if (value <= buckets[i]!) {
        series.counts[i] = (series.counts[i] ?? 0) + 1;
        break;
      }
    }
    series.sum += value;
    series.count += 1;
  }

  /** How many observations one series has. */
  count(labels?: LabelValues): number {
    return this.#series.get(this.keyOf(labels))?.count ?? 0;
  }

  protected samples(): string[] {
    const lines: string[] = [];
    for (const [key, series] of this.#series) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += series.counts[i] ?? 0;
        lines.push(`${this.name}_bucket${this.labelText(key, `le="${formatNumber(bound)}"`)} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${this.labelText(key, 'le="+Inf"')} ${series.count}`);
      lines.push(`${this.name}_sum${this.labelText(key)} ${formatNumber(series.sum)}`);
      lines.push(`${this.name}_count${this.labelText(key)} ${series.count}`);
    }
    return lines;
  }
}

/** The metrics of one process, rendered together at `/metrics`. */
export class MetricsRegistry {
  /** The Content-Type of {@link render}'s output. */
  static readonly contentType = "text/plain; version=0.0.4; charset=utf-8";
  readonly #metrics = new Map<string, Metric>();

  counter(options: MetricOptions): Counter {
    return this.#add(new Counter(options));
  }

  gauge(options: GaugeOptions): Gauge {
    return this.#add(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.#add(new Histogram(options));
  }

  /** Every metric in the text exposition format, ending with a newline. */
  render(): string {
    return [...this.#metrics.values()].map((metric) => `${metric.render()}\n`).join("");
  }

  #add<M extends Metric>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new Error(`metric ${metric.name} is declared twice`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}
