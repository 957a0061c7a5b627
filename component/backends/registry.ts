/**
 * Backends registered by name with a priority. `auto` tries them from the highest priority down and,
 * when every one fails, throws one error naming each failure, so a site owner sees at once why the
 * GPU, the server and the CPU each could not run their model.
 *
 * @module
 */

import {
  type BackendName,
  type BackendPreference,
  type FailedBackend,
  type NoBackendCause,
  unreachableOrigin,
} from "../worker/protocol.ts";

export type { NoBackendCause };
import { type Backend, type BackendContext, type BackendFactory, NotApplicable } from "./types.ts";

/** A backend chosen by {@link selectBackend}, with the ones that failed before it. */
export interface Selected {
  /** The ready backend. */
  backend: Backend;
  /** Backends tried first that failed, with why. */
  failures: FailedBackend[];
}

/** A set of backend factories. */
export class BackendRegistry {
  #factories = new Map<BackendName, BackendFactory>();

  /**
   * Adds (or replaces) a factory.
   *
   * @param factory The factory.
   * @returns This registry.
   * @example
   * ```ts
   * import { BackendRegistry } from "./registry.ts";
   * const registry = new BackendRegistry();
   * ```
   */
  register(factory: BackendFactory): this {
    this.#factories.set(factory.name, factory);
    return this;
  }

  /** @returns The factories, highest priority first. */
  ordered(): BackendFactory[] {
    return [...this.#factories.values()].sort((a, b) => b.priority - a.priority);
  }

  /**
   * Creates the backend the preference asks for: that one alone, or in `auto` the first of the
   * registered ones that works (the server only when a server URL is set).
   *
   * @param preference `auto` or a backend name.
   * @param context What the factories need.
   * @param exclude Backends not to try (in `auto`: those that failed already).
   * @returns The backend and the failures before it.
   * @throws Error naming each backend's failure when none works, with a {@link NoBackendCause}.
   */
  async select(
    preference: BackendPreference,
    context: BackendContext,
    exclude: readonly BackendName[] = [],
  ): Promise<Selected> {
    const candidates =
      (preference === "auto" ? this.ordered() : this.ordered().filter((f) => f.name === preference))
        .filter((f) => !exclude.includes(f.name));
    if (!candidates.length) throw new TypeError(`Cannot choose a backend: "${preference}" is not registered`);
    const failures: Selected["failures"] = [], skipped: BackendName[] = [];
    for (const factory of candidates) {
      if (preference === "auto" && factory.name === "server" && !context.server) {
        failures.push({ backend: "server", message: "no server attribute is set" });
        skipped.push("server");
        continue;
      }
      try {
        return { backend: await factory.create({ ...context, auto: preference === "auto" }), failures };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // A server that could not be reached is named by its origin, not read back from the message.
        const unreachable = unreachableOrigin(error);
        failures.push({ backend: factory.name, message, ...(unreachable ? { unreachable } : {}) });
        if (error instanceof NotApplicable) skipped.push(factory.name);
      }
    }
    const list = failures.map((f) => `${f.backend}: ${f.message}`).join("; ");
    throw new Error(`No backend can run the model "${context.manifest.name}" (${list})`, {
      cause: { failures, skipped } satisfies NoBackendCause,
    });
  }
}
