/**
 * Whether a part of `<latent-evolver>`'s shadow tree is in the window, and not under what sticks to
 * its bottom: the toolbar's Evolve, so that the strip pinned to the bottom carries its own Evolve
 * only once that one is scrolled out of view or under the strip (a phone, where the toolbar does not
 * stick), not beside it at the top of the page.
 *
 * @module
 */

import type { ReactiveController, ReactiveControllerHost } from "lit";

/** The element whose part is watched. */
export type InViewHost = ReactiveControllerHost & {
  readonly renderRoot: HTMLElement | DocumentFragment;
};

/** The share of the part that must be in the window for it to count as in view: enough to press it. */
const IN_VIEW_AT_LEAST = 0.5;

/**
 * Watches a part with an IntersectionObserver and asks the element to render again when it comes
 * into view or leaves it. The window's bottom, for it, is above what covers it there (the sticky
 * footer, or the strip): a part under it is not in view, though it is in the window.
 *
 * @example
 * ```ts
 * import { InView } from "./in-view.ts";
 * // In elementParts (element-parts.ts): new InView(host, '[part~="evolve"]', () => sticky.state.coversBottom);
 * // then read .visible.
 * ```
 */
export class InView implements ReactiveController {
  /**
   * True while the part is in the window, and until it has been seen once: what is shown beside
   * another of its kind waits for the observer's report, rather than flash at the start.
   */
  visible = true;
  #host: InViewHost;
  #selector: string;
  #observer: IntersectionObserver | null = null;
  #observed: Element | null = null;
  #coveredBottom: () => number;
  /** The pixels at the window's bottom that the observer leaves out. */
  #margin = 0;

  /**
   * @param host The element; the controller adds itself to it.
   * @param selector The part, in the element's shadow tree.
   * @param coveredBottom How many pixels at the window's bottom are covered (read after each render).
   */
  constructor(host: InViewHost, selector: string, coveredBottom: () => number = () => 0) {
    this.#host = host;
    this.#selector = selector;
    this.#coveredBottom = coveredBottom;
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof IntersectionObserver === "undefined") return;
    this.#margin = this.#coveredBottom();
    this.#observer = new IntersectionObserver(
      (entries) => {
        const entry = entries.at(-1)!;
        const visible = entry.isIntersecting && entry.intersectionRatio >= IN_VIEW_AT_LEAST;
        if (visible === this.visible) return;
        this.visible = visible;
        this.#host.requestUpdate();
      },
      { threshold: [0, IN_VIEW_AT_LEAST, 1], rootMargin: `0px 0px ${-this.#margin}px 0px` },
    );
    // Moved in the page: lit renders nothing on reconnecting, so observe the part already there.
    this.#observe();
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = null;
    this.#observed = null;
  }

  /**
   * After each render: observe the part once it exists, or again if a render replaced it; with a
   * new observer where what covers the window's bottom changed (an observer's margin is fixed).
   */
  hostUpdated(): void {
    if (this.#observer && this.#coveredBottom() !== this.#margin) {
      this.hostDisconnected();
      this.hostConnected(); // it reports at once where the part is now
    } else this.#observe();
  }

  #observe(): void {
    const part = this.#host.renderRoot.querySelector(this.#selector);
    if (!this.#observer || !part || part === this.#observed) return;
    if (this.#observed) this.#observer.unobserve(this.#observed);
    this.#observed = part;
    this.#observer.observe(part);
  }
}
