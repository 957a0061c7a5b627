/**
 * Keeps `<latent-evolver>`'s controls in view under a long grid: the toolbar sticks to the top of
 * the window and the footer (history strip, status, errors) to its bottom while the page scrolls,
 * within the element's box, each as long as it leaves most of the window to the images. The decision
 * is measured, not a media query: what counts is how tall the element's own controls are (a narrow
 * element wraps its toolbar to several lines in a wide window) against the window's height (a phone
 * on its side). The grid's buttons get scroll margins the size of what sticks, so an image focused
 * with the arrow keys or Tab is scrolled out from under the toolbar or the footer (WCAG 2.4.11).
 *
 * @module
 */

import type { ReactiveController, ReactiveControllerHost } from "lit";

/**
 * The toolbar sticks while it takes at most this share of the window's height, and the footer while
 * it takes at most `FOOTER_AT_MOST`: together under half the window, a quarter on a desktop. Each on
 * its own, so that the footer growing for a moment (a progress bar, a notice) does not make the
 * toolbar jump.
 */
const TOOLBAR_AT_MOST = 1 / 5;
const FOOTER_AT_MOST = 1 / 4;

/** What sticks, and how much of the window's top and bottom it covers, in pixels. */
export type Sticking = { toolbar: boolean; footer: boolean; coversTop: number; coversBottom: number };

/**
 * What sticks for controls of the given heights in a window of the given height.
 *
 * @param toolbar The toolbar's height, with the offset it sticks at (`--le-sticky-top`).
 * @param footer The footer's height.
 * @param window The window's height.
 * @returns What sticks and what it covers.
 * @example
 * ```ts
 * import { sticking } from "./sticky-controls.ts";
 * sticking(70, 70, 800); // { toolbar: true, footer: true, coversTop: 70, coversBottom: 70 }
 * sticking(100, 70, 375); // { toolbar: false, footer: true, coversTop: 0, coversBottom: 70 }
 * ```
 */
export function sticking(toolbar: number, footer: number, window: number): Sticking {
  const toolbarSticks = toolbar <= TOOLBAR_AT_MOST * window;
  const footerSticks = footer <= FOOTER_AT_MOST * window;
  return {
    toolbar: toolbarSticks,
    footer: footerSticks,
    coversTop: toolbarSticks ? toolbar : 0,
    coversBottom: footerSticks ? footer : 0,
  };
}

/** The element whose controls stick. */
export type StickyHost = ReactiveControllerHost & HTMLElement & {
  readonly renderRoot: HTMLElement | DocumentFragment;
};

/**
 * Measures the toolbar and the footer whenever either or the window changes size, and asks the
 * element to render again when what sticks changes.
 *
 * @example
 * ```ts
 * import { StickyControls } from "./sticky-controls.ts";
 * // In the element: #sticky = new StickyControls(this); then render with this.#sticky.state.
 * ```
 */
export class StickyControls implements ReactiveController {
  /** What sticks now. */
  state: Sticking = { toolbar: false, footer: false, coversTop: 0, coversBottom: 0 };
  #host: StickyHost;
  #observer: ResizeObserver | null = null;
  #observed: Element[] = [];
  #frame = 0;
  #measure = () => this.#update();
  /**
   * The observer's report is acted on in the next frame: a render from within it that resized the
   * toolbar or the footer again (an error moving into or out of the footer) would leave that size
   * unreported, and the browser says so with a "ResizeObserver loop" error on the page.
   */
  #measureNextFrame = () => {
    cancelAnimationFrame(this.#frame);
    this.#frame = requestAnimationFrame(this.#measure);
  };

  /** @param host The element. */
  constructor(host: StickyHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    if (typeof ResizeObserver === "undefined") return;
    this.#observer = new ResizeObserver(this.#measureNextFrame);
    addEventListener("resize", this.#measure);
    // Moved in the page: lit renders nothing on reconnecting, so observe the parts already there.
    this.#observe();
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = null;
    cancelAnimationFrame(this.#frame);
    this.#observed = [];
    removeEventListener("resize", this.#measure);
  }

  /** After each render: observe the toolbar and footer once they exist. */
  hostUpdated(): void {
    this.#observe();
  }

  /** Observes the toolbar and the footer, and measures them at once. */
  #observe(): void {
    if (!this.#observer || this.#observed.length) return;
    const parts = [this.#toolbar(), this.#footer()];
    if (parts.some((p) => !p)) return;
    this.#observed = parts as Element[];
    for (const p of this.#observed) this.#observer.observe(p);
    // Not only once the observer reports, which waits for the browser to render the page.
    this.#update();
  }

  #toolbar(): HTMLElement | null {
    return this.#host.renderRoot.querySelector<HTMLElement>('[part~="toolbar"]');
  }

  #footer(): HTMLElement | null {
    return this.#host.renderRoot.querySelector<HTMLElement>(".footer");
  }

  #update(): void {
    const toolbar = this.#toolbar(), footer = this.#footer();
    if (!toolbar || !footer) return;
    // `top: var(--le-sticky-top)`: a length in pixels; a percentage (of the window's height, once
    // sticky) is left as it was written while the toolbar does not stick.
    const topValue = getComputedStyle(toolbar).top;
    const top = (parseFloat(topValue) || 0) * (topValue.endsWith("%") ? innerHeight / 100 : 1);
    const height = (e: Element | null) => e ? Math.ceil(e.getBoundingClientRect().height) : 0;
    // An error shown in the footer counts for nothing: it must not unstick the footer it is read in.
    // Nor does the footer's own Evolve, there only while the footer sticks (it would unstick it), but
    // it covers the images below it.
    const error = footer.querySelector('[part~="error"]');
    const bar = height(footer.querySelector('[part~="footer-bar"]'));
    const next = sticking(height(toolbar) + top, height(footer) - height(error) - bar, innerHeight);
    if (next.footer) next.coversBottom += bar;
    const s = this.state;
    if (
      next.toolbar === s.toolbar && next.footer === s.footer && next.coversTop === s.coversTop &&
      next.coversBottom === s.coversBottom
    ) return;
    this.state = next;
    this.#host.requestUpdate();
  }
}
