/**
 * Counters and histograms for the request path, in the Prometheus text format.
 *
 * prom-client's `inc` and `observe` check the labels, sort their names and join them into a
 * key on every call, a dozen times a request (what that cost is in bench/JOURNAL.md, measured with
 * them made no-ops). Here a series is a cell found
 * through one map per label, keyed by the label value itself: no key string is built, and an
 * observation is a few additions. The exposition is prom-client's: the same lines in the same
 * order (`# HELP`, `# TYPE`, a histogram's cumulative `_bucket` series ending at `+Inf`, then
 * `_sum` and `_count`), appended to the registry's own metrics at `/metrics`.
 *
 * Label values are bounded by the caller (see metrics.ts); a metric never forgets a series.
 */

/** A `# HELP` text as the text format writes it: backslashes and line breaks escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label's value as the text format quotes it: as a help text, and its double quotes escaped too. */
function escapeLabelValue(value: string): string {
  return escapeHelp(value).replace(/"/g, '\\"');
}

/** A number as the text format writes it (prom-client's `getValueAsString`). */
function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return String(value);
}

/** The series of one metric, one cell per distinct tuple of label values, in the order they were first seen. */
abstract class CellMetric<Cell> {
  private readonly root = new Map<string, unknown>();
  private readonly series: { readonly labels: string; readonly cell: Cell }[] = [];

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  protected abstract newCell(): Cell;
  protected abstract type: string;
  /** The sample lines of one series; `labels` is its `name="value"` pairs, comma-separated (may be empty). */
  protected abstract lines(labels: string, cell: Cell): string[];

  /** The cell of these label values, in the order of `labelNames`. */
  protected cell(values: readonly string[]): Cell {
    let level: Map<string, unknown> = this.root;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const value = values[i]!;
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const key = last < 0 ? '' : values[last]!;
    let cell = level.get(key) as Cell | undefined;
    if (cell === undefined) {
      cell = this.newCell();
      level.set(key, cell);
      const labels = this.labelNames.map((name, i) => `${name}="${escapeLabelValue(values[i]!)}"`).join(',');
      this.series.push({ labels, cell });
    }
    return cell;
  }

  /** The metric in the Prometheus text format (0.0.4), without a trailing newline. */
  exposition(): string {
    const out = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, cell } of this.series) out.push(...this.lines(labels, cell));
    return out.join('\n');
  }
}

interface CounterCell {
  value: number;
}

export class CellCounter extends CellMetric<CounterCell> {
  protected readonly type = 'counter';

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames);
    // A counter without labels has its one series from the start, at 0, as prom-client's.
    if (labelNames.length === 0) this.cell([]);
  }

  protected newCell(): CounterCell {
    return { value: 0 };
  }

  /** Adds `by` (at least 0) to the series of these label values. */
  inc(values: readonly string[] = [], by = 1): void {
    this.cell(values).value += by;
  }

  protected lines(labels: string, cell: CounterCell): string[] {
    return [`${this.name}${labels === '' ? '' : `{${labels}}`} ${sampleValue(cell.value)}`];
  }
}

interface HistogramCell {
  sum: number;
  count: number;
  /** Observations per bucket (not cumulative): the last one is above every bound. */
  readonly buckets: number[];
}

export class CellHistogram extends CellMetric<HistogramCell> {
  protected readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]) {
    super(name, help, labelNames);
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  protected newCell(): HistogramCell {
    return { sum: 0, count: 0, buckets: new Array<number>(this.bounds.length + 1).fill(0) };
  }

  observe(values: readonly string[], value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`${this.name}: not a finite number: ${value}`);
    const cell = this.cell(values);
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    cell.buckets[bucket]! += 1;
    cell.sum += value;
    cell.count += 1;
  }

  protected lines(labels: string, cell: HistogramCell): string[] {
    const rest = labels === '' ? '' : `,${labels}`;
    const braces = labels === '' ? '' : `{${labels}}`;
    const out: string[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += cell.buckets[i]!;
      out.push(`${this.name}_bucket{le="${sampleValue(bound)}"${rest}} ${cumulative}`);
    });
    out.push(`${this.name}_bucket{le="+Inf"${rest}} ${cell.count}`);
    out.push(`${this.name}_sum${braces} ${sampleValue(cell.sum)}`, `${this.name}_count${braces} ${cell.count}`);
    return out;
  }
}
