/**
 * Server metrics in the Prometheus text exposition format (version 0.0.4): requests by route and
 * status, queue depth, batch sizes and request latency.
 *
 * @module
 */

const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) this.counts[i]++;
  }
  render(name: string, help: string): string {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(
      `${name}_bucket{le="+Inf"} ${this.count}`,
      `${name}_sum ${this.sum}`,
      `${name}_count ${this.count}`,
    );
    return lines.join("\n");
  }
}

/** The server's counters, gauges and histograms. */
export class Metrics {
  readonly #requests = new Map<string, number>();
  readonly #batchSize = new Histogram(BATCH_BUCKETS);
  readonly #batchRequests = new Histogram(BATCH_BUCKETS);
  readonly #latency = new Histogram(LATENCY_BUCKETS);
  #images = 0;

  /**
   * Counts one answered request.
   *
   * @param route A bounded route label ("infer", "metadata", "static", ...), never the raw path.
   * @param status The HTTP status.
   * @param seconds How long it took.
   * @example
   * ```ts
   * metrics.request("infer", 200, 0.05);
   * ```
   */
  request(route: string, status: number, seconds: number): void {
    const key = `route="${route}",status="${status}"`;
    this.#requests.set(key, (this.#requests.get(key) ?? 0) + 1);
    if (route === "infer") this.#latency.observe(seconds);
  }

  /**
   * Records one batch run.
   *
   * @param latents Latents (images) in the batch.
   * @param requests Requests merged into it.
   * @example
   * ```ts
   * metrics.batch(8, 3);
   * ```
   */
  batch(latents: number, requests: number): void {
    this.#batchSize.observe(latents);
    this.#batchRequests.observe(requests);
    this.#images += latents;
  }

  /**
   * Renders every metric.
   *
   * @param gauges Current values: queued latents and requests in flight.
   * @returns Prometheus text.
   * @example
   * ```ts
   * new Response(metrics.render({ queueDepth: 0, inFlight: 0 }));
   * ```
   */
  render(gauges: { queueDepth: number; inFlight: number }): string {
    const p = "latent_evolver";
    const lines = [`# HELP ${p}_requests_total HTTP requests answered, by route and status.`];
    lines.push(`# TYPE ${p}_requests_total counter`);
    for (const [k, v] of [...this.#requests].sort()) lines.push(`${p}_requests_total{${k}} ${v}`);
    lines.push(
      `# HELP ${p}_queue_depth Latents waiting for a batch.`,
      `# TYPE ${p}_queue_depth gauge`,
      `${p}_queue_depth ${gauges.queueDepth}`,
      `# HELP ${p}_inflight_requests Infer requests queued or running.`,
      `# TYPE ${p}_inflight_requests gauge`,
      `${p}_inflight_requests ${gauges.inFlight}`,
      `# HELP ${p}_images_total Images generated.`,
      `# TYPE ${p}_images_total counter`,
      `${p}_images_total ${this.#images}`,
      this.#batchSize.render(`${p}_batch_size`, "Latents per generate() call."),
      this.#batchRequests.render(`${p}_batch_requests`, "Requests merged into one generate() call."),
      this.#latency.render(`${p}_infer_duration_seconds`, "Infer request latency, queueing included."),
    );
    return lines.join("\n") + "\n";
  }
}
