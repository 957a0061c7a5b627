/**
 * Templates that keep Evolve and the marking state in reach of `<latent-evolver>`'s person: the
 * footer's own Evolve and marking state, for when the toolbar does not stick (a phone) while the
 * footer does, and the hint over the grid while clicks mark points. Like latent-evolver.render.ts's,
 * they take plain data and callbacks and hold no state.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit";
import { EVOLVE_TITLE } from "./latent-evolver.render.ts";

/** What the footer's bar needs from the element. */
export interface FooterBarContext {
  /** False until a generation exists (as the toolbar's Evolve). */
  ready: boolean;
  /** True while clicks mark points. */
  marking: boolean;
  onEvolve(): void;
  onStopMarking(): void;
}

/**
 * The footer's bar: Evolve, the same action and name as the toolbar's (WCAG 3.2.4: one function,
 * one name), and while marking, that clicks mark points with a button that stops it. Shown only
 * while the footer sticks and the toolbar does not, so Evolve stays in view on a phone.
 *
 * @param ctx The element's state and callbacks.
 * @returns The template.
 */
export function renderFooterBar(ctx: FooterBarContext): TemplateResult {
  return html`
    <div part="footer-bar">
      <button part="button footer-evolve" ?disabled=${!ctx.ready} @click=${ctx.onEvolve}
        title=${EVOLVE_TITLE}>Evolve</button>
      ${ctx.marking
        ? html`
          <span part="footer-marking">Marking points</span><button part="button stop-marking"
            aria-label="Stop marking points" @click=${ctx.onStopMarking}>Stop</button>
        `
        : nothing}
    </div>
  `;
}

/** The hint's id: the grid's description while marking. */
export const MARKING_HINT_ID = "marking-hint";

/**
 * What a click does while marking, and how to stop (Escape, tile-input.ts's `shortcutOf`, when no
 * render is in flight; the Mark points button at any time).
 *
 * @param marking True while clicks mark points.
 * @returns The hint, or nothing when not marking.
 */
export function renderMarkingHint(marking: boolean): TemplateResult | typeof nothing {
  return marking
    ? html`<p part="marking-hint" id=${MARKING_HINT_ID}>Click an image to mark a point · Esc to stop</p>`
    : nothing;
}
