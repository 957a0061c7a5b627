/**
 * Dynamic batching: requests for the same model and prompt that arrive within a short window run as
 * one `generate()` call of up to `maxBatch` latents, and each request gets back exactly its own
 * images. One batch runs at a time per model instance (the model's `concurrency`: a second run on
 * one instance would only compete for its cores or GPU), and the queue of waiting latents is bounded.
 *
 * @module
 */
import type { Latent } from "../core/latent.ts";
import type { RgbaImage, ServedModel } from "./model.ts";

/** Thrown by {@link Batcher.submit} when the queue has no room: the server answers 503. */
export class QueueFullError extends RangeError {
  constructor(depth: number, max: number) {
    super(`Cannot queue request: ${depth} of ${max} queued latents, no room`);
    this.name = "QueueFullError";
  }
}

/**
 * Thrown by {@link Batcher.submit} for a request that can never be queued (more latents than the batch
 * or the queue holds): the server answers 400, since retrying it would never help.
 */
export class RequestTooLargeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "RequestTooLargeError";
  }
}

/** Batching options. */
export interface BatcherOptions {
  /** Most latents in one `generate()` call. */
  maxBatch: number;
  /** Most latents waiting (not yet running) over all models. */
  maxQueue: number;
  /** How long the first request of an idle model waits for others to join its batch, in ms. */
  windowMs: number;
  /** False runs every request on its own (the benchmark's baseline). */
  batching?: boolean;
  /** Called after each batch with the number of latents and requests it held. */
  onBatch?: (latents: number, requests: number) => void;
}

interface Entry {
  prompt: string;
  latents: Latent[];
  signal: AbortSignal;
  resolve: (images: RgbaImage[]) => void;
  reject: (error: unknown) => void;
  settled: boolean;
  onAbort: () => void;
}

interface Lane {
  model: ServedModel;
  pending: Entry[];
  /** Batches running now: at most the model's `concurrency`. */
  running: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** The queue and its per-model runners. */
export class Batcher {
  readonly #options: Required<Omit<BatcherOptions, "onBatch">> & Pick<BatcherOptions, "onBatch">;
  /**
   * One lane per model's `generate`: a model served under a second name (the built-in model as
   * `builtin` and `builtin-landscape`) runs on the same instances, so its requests merge with the
   * first name's and the instances are counted once.
   */
  readonly #lanes = new Map<ServedModel["generate"], Lane>();
  #depth = 0;
  #active = 0;
  #idleWaiters: (() => void)[] = [];

  /**
   * @param options Limits and the batching window.
   */
  constructor(options: BatcherOptions) {
    this.#options = { batching: true, ...options };
  }

  /** Latents waiting to run. */
  get depth(): number {
    return this.#depth;
  }

  /** Requests submitted and not yet answered (waiting or running). */
  get active(): number {
    return this.#active;
  }

  /**
   * Queues latents for a model and prompt; resolves with their images in order.
   *
   * @param model The model.
   * @param prompt The prompt (batches only merge requests with equal prompts).
   * @param latents The latents, at most `maxBatch`.
   * @param signal Aborting it drops the request (and the batch when nobody else needs it).
   * @returns The images, one per latent.
   * @example
   * ```ts
   * const images = await batcher.submit(model, "a cat", latents, request.signal);
   * ```
   */
  submit(model: ServedModel, prompt: string, latents: Latent[], signal: AbortSignal): Promise<RgbaImage[]> {
    const { maxQueue, maxBatch } = this.#options;
    if (latents.length > maxBatch) {
      throw new RequestTooLargeError(
        `Cannot queue request: ${latents.length} latents is over the max batch ${maxBatch}`,
      );
    }
    if (latents.length > maxQueue) {
      throw new RequestTooLargeError(
        `Cannot queue request: ${latents.length} latents is over the queue limit of ${maxQueue}`,
      );
    }
    if (this.#depth + latents.length > maxQueue) throw new QueueFullError(this.#depth, maxQueue);
    if (signal.aborted) return Promise.reject(abortError(signal));
    let lane = this.#lanes.get(model.generate);
    if (!lane) {
      lane = { model, pending: [], running: 0, timer: undefined };
      this.#lanes.set(model.generate, lane);
    }
    const theLane = lane;
    this.#active++;
    this.#depth += latents.length;
    return new Promise<RgbaImage[]>((resolve, reject) => {
      const entry: Entry = {
        prompt,
        latents,
        signal,
        resolve,
        reject,
        settled: false,
        onAbort: () => {
          const i = theLane.pending.indexOf(entry);
          if (i >= 0) {
            theLane.pending.splice(i, 1);
            this.#depth -= entry.latents.length;
          }
          this.#settle(entry, undefined, abortError(signal));
        },
      };
      signal.addEventListener("abort", entry.onAbort, { once: true });
      theLane.pending.push(entry);
      this.#schedule(theLane);
    });
  }

  /**
   * Resolves once nothing is waiting or running (for graceful shutdown).
   *
   * @returns A promise that resolves when idle.
   * @example
   * ```ts
   * await batcher.idle();
   * ```
   */
  idle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #settle(entry: Entry, images: RgbaImage[] | undefined, error?: unknown): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.signal.removeEventListener("abort", entry.onAbort);
    this.#active--;
    if (images) entry.resolve(images);
    else entry.reject(error);
    if (this.#active === 0) {
      for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  /** Starts a batch now or after the window; `waited` means the pending requests already waited. */
  #schedule(lane: Lane, waited = false): void {
    if (this.#full(lane) || lane.pending.length === 0) return;
    const { windowMs, maxBatch, batching } = this.#options;
    const head = lane.pending[0].prompt;
    let ready = 0;
    for (const e of lane.pending) if (e.prompt === head) ready += e.latents.length;
    // A full batch does not wait out the window; when the window ends, every free instance starts one.
    if (waited || !batching || windowMs <= 0 || ready >= maxBatch) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
      // #run takes its batch before its first await, so this ends.
      while (!this.#full(lane) && lane.pending.length > 0) void this.#run(lane);
      return;
    }
    lane.timer ??= setTimeout(() => {
      lane.timer = undefined;
      this.#schedule(lane, true);
    }, windowMs);
  }

  /** Whether the model already runs as many batches as it can at once. */
  #full(lane: Lane): boolean {
    return lane.running >= (lane.model.concurrency ?? 1);
  }

  /** Takes the oldest request and every later one with its prompt that still fits. */
  #take(lane: Lane): Entry[] {
    const { maxBatch, batching } = this.#options;
    const first = lane.pending.shift()!;
    const batch = [first];
    let size = first.latents.length;
    if (batching) {
      for (let i = 0; i < lane.pending.length && size < maxBatch;) {
        const e = lane.pending[i];
        if (e.prompt === first.prompt && size + e.latents.length <= maxBatch) {
          batch.push(e);
          size += e.latents.length;
          lane.pending.splice(i, 1);
        } else i++;
      }
    }
    this.#depth -= size;
    return batch;
  }

  async #run(lane: Lane): Promise<void> {
    if (this.#full(lane) || lane.pending.length === 0) return;
    lane.running++;
    const batch = this.#take(lane);
    const controller = new AbortController();
    // The batch is abandoned only when every request in it has gone away.
    const onAbort = () => {
      if (batch.every((e) => e.signal.aborted)) {
        controller.abort(new DOMException("All clients left", "AbortError"));
      }
    };
    for (const e of batch) {
      e.signal.removeEventListener("abort", e.onAbort);
      e.onAbort = () => {
        this.#settle(e, undefined, abortError(e.signal));
        onAbort();
      };
      e.signal.addEventListener("abort", e.onAbort, { once: true });
    }
    onAbort();
    const latents = batch.flatMap((e) => e.latents);
    try {
      const images = await lane.model.generate(latents, batch[0].prompt, { signal: controller.signal });
      if (images.length !== latents.length) {
        throw new RangeError(
          `Model "${lane.model.name}" returned ${images.length} images for ${latents.length} latents`,
        );
      }
      this.#options.onBatch?.(latents.length, batch.length);
      let offset = 0;
      for (const e of batch) {
        this.#settle(e, images.slice(offset, offset + e.latents.length));
        offset += e.latents.length;
      }
    } catch (error) {
      for (const e of batch) this.#settle(e, undefined, error);
    } finally {
      lane.running--;
      this.#schedule(lane, true);
    }
  }
}
