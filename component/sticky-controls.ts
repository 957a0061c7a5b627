/**
 * Keeps `<latent-evolver>`'s controls in view under a long grid: the toolbar sticks to the top of
 * the window and the footer (history strip, status, errors) to its bottom while the page scrolls,
 * within the element's box, each as long as it leaves most of the window to the images. Where the
 * toolbar is too tall to stick (a phone, a narrow element), neither does the footer: a one-line strip
 * pinned to the window's bottom (in-reach.render.ts) carries Evolve, the marking state and the counts
 * instead, and the errors. Its height does not depend on its text, so what sticks does not change as
 * the counts or the status grow. The decision is measured, not a media query: what counts is how tall
 * the element's own toolbar and footer are (a narrow element wraps its toolbar to several lines in a
 * wide window) against the window's height (a phone on its side). The grid's buttons get scroll
 * margins the size of what sticks, so an image focused with the arrow keys or Tab is scrolled out
 * from under it (WCAG 2.4.11).
 *
 * @module
 */

import type { ReactiveController, ReactiveControllerHost } from "lit";

/**
 * The toolbar sticks while it takes at most this share of the window's height, and with it the
 * footer while it takes at most `FOOTER_AT_MOST`: together under half the window, a quarter on a
 * desktop. The footer on its own measure, so that it growing for a moment (a progress bar, a notice)
 * does not make the toolbar jump.
 */
const TOOLBAR_AT_MOST = 1 / 5;
const FOOTER_AT_MOST = 1 / 4;

/**
 * What sticks, and how much of the window's top and bottom it covers, in pixels: the toolbar and
 * the footer, or (where the toolbar does not) the strip pinned to the bottom.
 */
export type Sticking = {
  toolbar: boolean;
  footer: boolean;
  strip: boolean;
  coversTop: number;
  coversBottom: number;
};

/**
 * What sticks for controls of the given heights in a window of the given height.
 *
 * @param toolbar The toolbar's height, with the offset it sticks at (`--le-sticky-top`).
 * @param footer The footer's height.
 * @param strip The pinned strip's height (0 while it shows nothing).
 * @param window The window's height.
 * @returns What sticks and what it covers.
 * @example
 * ```ts
 * import { sticking } from "./sticky-controls.ts";
 * sticking(70, 70, 0, 800); // toolbar and footer: { ..., coversTop: 70, coversBottom: 70 }
 * sticking(180, 70, 40, 740); // { toolbar: false, footer: false, strip: true, coversTop: 0, coversBottom: 40 }
 * ```
 */
export function sticking(toolbar: number, footer: number, strip: number, window: number): Sticking {
  const toolbarSticks = toolbar <= TOOLBAR_AT_MOST * window;
  const footerSticks = toolbarSticks && footer <= FOOTER_AT_MOST * window;
  return {
    toolbar: toolbarSticks,
    footer: footerSticks,
    strip: !toolbarSticks,
    coversTop: toolbarSticks ? toolbar : 0,
    coversBottom: footerSticks ? footer : toolbarSticks ? 0 : strip,
  };
}

/** The element whose controls stick. */
export type StickyHost = ReactiveControllerHost & HTMLElement & {
  readonly renderRoot: HTMLElement | DocumentFragment;
};

/**
 * Measures the toolbar, the footer and the pinned strip whenever one of them or the window changes
 * size, and asks the element to render again when what sticks changes.
 *
 * @example
 * ```ts
 * import { StickyControls } from "./sticky-controls.ts";
 * // In elementParts (element-parts.ts): sticky = new StickyControls(host); the view renders with sticky.state.
 * ```
 */
export class StickyControls implements ReactiveController {
  /** What sticks now. */
  state: Sticking = { toolbar: false, footer: false, strip: false, coversTop: 0, coversBottom: 0 };
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

  /** After each render: observe the toolbar, the footer and the strip once they exist. */
  hostUpdated(): void {
    this.#observe();
  }

  /** Observes the toolbar, the footer and the strip, and measures them at once. */
  #observe(): void {
    if (!this.#observer || this.#observed.length) return;
    const parts = [this.#toolbar(), this.#footer(), this.#strip()];
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

  #strip(): HTMLElement | null {
    return this.#host.renderRoot.querySelector<HTMLElement>(".strip");
  }

  #update(): void {
    const toolbar = this.#toolbar(), footer = this.#footer(), strip = this.#strip();
    if (!toolbar || !footer || !strip) return;
    // `top: var(--le-sticky-top)`: a length in pixels; a percentage (of the window's height, once
    // sticky) is left as it was written while the toolbar does not stick.
    const topValue = getComputedStyle(toolbar).top;
    const top = (parseFloat(topValue) || 0) * (topValue.endsWith("%") ? innerHeight / 100 : 1);
    const height = (e: Element | null) => e ? Math.ceil(e.getBoundingClientRect().height) : 0;
    // An error shown in the footer counts for nothing: it must not unstick the footer it is read in.
    // Nor in the strip, which it covers the images above for a moment only.
    const withoutError = (e: Element) => height(e) - height(e.querySelector('[part~="error"]'));
    const next = sticking(height(toolbar) + top, withoutError(footer), withoutError(strip), innerHeight);
    const s = this.state;
    if ((Object.keys(next) as (keyof Sticking)[]).every((k) => next[k] === s[k])) return;
    this.state = next;
    this.#host.requestUpdate();
  }
}
