/**
 * The backend the worker's engine renders with: chosen at each start from the registry, and in
 * `auto` replaced by the next one that starts when it fails while rendering (a WebGPU device lost,
 * out of memory at its first run, a server gone).
 *
 * @module
 */

import type { BackendRegistry } from "../backends/registry.ts";
import type { Backend, BackendContext } from "../backends/types.ts";
import type { BackendPreference, EngineEvent, FailedBackend } from "./protocol.ts";

/** What the element is told when another backend took over. */
export type BackendSwitch = Extract<EngineEvent, { type: "backend" }>;

/**
 * Holds the engine's backend.
 *
 * @example
 * ```ts
 * import { BackendSlot } from "./backend-slot.ts";
 * // In the engine: const slot = new BackendSlot(registry); await slot.start("auto", context);
 * ```
 */
export class BackendSlot {
  /** The backend in use, or `null` before one started. */
  backend: Backend | null = null;
  /** The backends that failed, at the start or while rendering (these are not tried again). */
  failures: FailedBackend[] = [];
  #registry: BackendRegistry;
  #preference: BackendPreference = "auto";
  /** What the backends were created with, to create another. */
  #context: BackendContext | null = null;
  /** Counts the starts: a replacement made for an earlier one is not wanted. */
  #starts = 0;
  /** A replacement under way: renders wait for it. */
  #switching: Promise<unknown> = Promise.resolve();

  /** @param registry The backends to choose from. */
  constructor(registry: BackendRegistry) {
    this.#registry = registry;
  }

  /** Ends the backend in use, if any. */
  async end(): Promise<void> {
    this.#starts++;
    const backend = this.backend;
    this.backend = null;
    await backend?.dispose();
  }

  /**
   * Starts the backend the preference asks for (see {@link BackendRegistry.select}).
   *
   * @param preference `auto` or a backend name.
   * @param context What the backends are created with.
   * @returns The backend ({@link failures}: those that failed before it).
   */
  async start(preference: BackendPreference, context: BackendContext): Promise<Backend> {
    this.#starts++;
    const { backend, failures } = await this.#registry.select(preference, context);
    this.backend = backend;
    this.failures = failures;
    this.#preference = preference;
    this.#context = context;
    return backend;
  }

  /** @returns The backend to render with, once a replacement under way is done. */
  async ready(): Promise<Backend | null> {
    await this.#switching;
    return this.backend;
  }

  /**
   * Replaces a backend that failed while rendering with the next one that starts, in `auto` only.
   * The failed one is ended once another is ready; when none is, it stays.
   *
   * @param failed The backend that failed.
   * @param error How it failed.
   * @param tell Tells the element, once the new backend is in place.
   * @returns Whether there is another backend to render with.
   */
  replace(failed: Backend, error: unknown, tell: (event: BackendSwitch) => Promise<void>): Promise<boolean> {
    if (this.backend !== failed) return Promise.resolve(this.backend !== null); // replaced already
    const context = this.#context;
    if (this.#preference !== "auto" || !context) return Promise.resolve(false);
    const start = this.#starts;
    const message = `failed while rendering: ${error instanceof Error ? error.message : String(error)}`;
    const failure = { backend: failed.name, message };
    const replaced = (async () => {
      this.failures = [...this.failures, failure];
      const exclude = this.failures.map((f) => f.backend);
      const next = await this.#registry.select("auto", context, exclude).catch(() => null);
      if (!next) return false;
      if (start !== this.#starts) { // a start since has its own backend
        await next.backend.dispose();
        return false;
      }
      this.backend = next.backend;
      await failed.dispose().catch(() => {});
      this.failures = [...this.failures, ...next.failures.filter((f) => !exclude.includes(f.backend))];
      await tell({ type: "backend", backend: next.backend.name, failed: failure, failures: this.failures });
      return true;
    })();
    this.#switching = replaced;
    return replaced;
  }
}
