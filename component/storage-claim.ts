/**
 * Which `<latent-evolver>` of this page saves under each storage key. Two elements with one key would
 * overwrite each other's saved session after every generation, so the second one saves nothing.
 *
 * @module
 */

import type { AttributeProblem } from "./attributes.ts";
import type { EngineConfig } from "./worker/protocol.ts";

/** The elements of this page that save their session, by storage key. */
const persisting = new Map<string, HTMLElement>();

/**
 * Takes the config's storage key for the element, or turns saving off if another element has it;
 * a key the element held before is let go first.
 *
 * @param host The element.
 * @param config The config it starts with: its `storageKey` becomes `null` when another element has it.
 * @param problems The attribute problems of the config, to which a key in use adds one.
 * @example
 * ```ts
 * import { claimStorage } from "./storage-claim.ts";
 * // In the worker's controller: claimStorage(host, config, problems);
 * ```
 */
export function claimStorage(host: HTMLElement, config: EngineConfig, problems: AttributeProblem[]): void {
  releaseStorage(host);
  const key = config.storageKey;
  if (key === null) return;
  if (persisting.get(key)?.isConnected) {
    problems.push({
      attribute: "storage-key",
      message: `storage-key "${key}" is used by another <latent-evolver> on this page; give each element ` +
        "its own storage-key. This one saves nothing, so that it does not overwrite the other's session.",
    });
    config.storageKey = null;
    return;
  }
  persisting.set(key, host);
}

/**
 * Lets go of the storage key the element holds, if any, for another element of the page to take.
 *
 * @param host The element.
 * @example
 * ```ts
 * import { releaseStorage } from "./storage-claim.ts";
 * // In the worker's controller, once the element left the page: releaseStorage(host);
 * ```
 */
export function releaseStorage(host: HTMLElement): void {
  for (const [key, held] of persisting) if (held === host) persisting.delete(key);
}
