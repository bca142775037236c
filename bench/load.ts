/**
 * autocannon, wrapped: one load run, its throughput and its latency percentiles.
 *
 * Latencies are taken from autocannon's `response` event (high-resolution milliseconds) rather
 * than from its histogram, which rounds to whole milliseconds: a bare route answers well below
 * one. Every response counts, 2xx or not; a run with any non-2xx answer or socket error is
 * reported as invalid, because a refused request is not the work being measured.
 */
import autocannon from 'autocannon';

export interface LoadResult {
  /** Responses received (any status). */
  readonly requests: number;
  /**
   * Requests sent. More than `requests` when a duration-based run stops with requests in
   * flight: the server still serves them, so per-request Redis figures divide by this.
   */
  readonly sent: number;
  readonly durationS: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
  /** Status codes other than 2xx, with their counts. */
  readonly statuses: Readonly<Record<string, number>>;
}

export interface RunningLoad {
  readonly done: Promise<LoadResult>;
  stop(): void;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Start a load run; `done` resolves when autocannon finishes (duration, amount or stop()). */
export function startLoad(options: autocannon.Options): RunningLoad {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let started = performance.now();
  let ended = 0;
  // autocannon notices that an `amount` run is done only on its 1-second tick, so the end of a
  // run is the last answer received, not the moment autocannon reports.
  let lastResponse = 0;
  let instance: autocannon.Instance | undefined;
  const done = new Promise<LoadResult>((resolve, reject) => {
    instance = autocannon({ pipelining: 1, timeout: 30, ...options }, (err, result) => {
      ended = performance.now();
      if (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      const sorted = Float64Array.from(latencies).sort();
      // The span between the first request sent and the last answer received.
      const durationS = Math.max(1e-3, ((lastResponse || ended) - started) / 1000);
      let non2xx = 0;
      for (const [code, count] of Object.entries(statuses))
        if (!code.startsWith('2')) non2xx += count;
      resolve({
        requests: latencies.length,
        sent: Math.max(result.requests.sent, latencies.length),
        durationS,
        rps: latencies.length / durationS,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        non2xx,
        errors: result.errors,
        statuses,
      });
    });
    instance.on('start', () => (started = performance.now()));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastResponse = performance.now();
      latencies.push(responseTime);
      const key = String(statusCode);
      statuses[key] = (statuses[key] ?? 0) + 1;
    });
  });
  return { done, stop: () => instance?.stop() };
}

export const runLoad = (options: autocannon.Options): Promise<LoadResult> =>
  startLoad(options).done;
