/**
 * Whether `<latent-evolver>`'s worker does its work: its deaths since a render last finished, which
 * decide whether it is restarted, and the API that says when a render finishes.
 *
 * @module
 */

import type * as Comlink from "comlink";
import type { EngineApi } from "./worker/protocol.ts";

/**
 * Worker deaths since a render last finished (or Try again). Not since the last start: a worker that
 * starts and then dies at each render would be restarted, its model loaded again, for ever.
 *
 * @example
 * ```ts
 * import { DeathCount } from "./worker-health.ts";
 * const deaths = new DeathCount();
 * deaths.died(); // 250: restart in 250 ms
 * deaths.reset();
 * ```
 */
export class DeathCount {
  #deaths = 0;

  /** Counts afresh: a render finished, or the person asked to try again. */
  reset(): void {
    this.#deaths = 0;
  }

  /**
   * Counts a death. A worker that dies again and again (a broken deployment, a page short of memory)
   * is not restarted forever; Try again restarts it, when the cause may have gone.
   *
   * @returns How long to wait before the restart, in ms, longer at each death; or `null` when the
   * worker keeps dying and is not restarted again.
   */
  died(): number | null {
    return ++this.#deaths > 3 ? null : 250 * this.#deaths;
  }
}

/**
 * The worker's API, telling `rendered` each time a render finishes: the worker has shown it can
 * do its work, not only start.
 *
 * @param api The worker's API.
 * @param rendered Called each time a render finishes (not when it fails).
 * @returns The same API.
 * @example
 * ```ts
 * import { onRendered } from "./worker-health.ts";
 * // const healthy = onRendered(handle.api, () => deaths.reset());
 * ```
 */
export function onRendered(api: Comlink.Remote<EngineApi>, rendered: () => void): Comlink.Remote<EngineApi> {
  return new Proxy(api, {
    get(target, prop) {
      const member = Reflect.get(target, prop);
      if (prop !== "render") return member;
      return (...args: Parameters<EngineApi["render"]>) => {
        const answer = member(...args);
        answer.then(rendered, () => {});
        return answer;
      };
    },
  });
}
