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
  /** True while the toolbar's Evolve is out of view, or the footer's has the focus: the footer shows its own. */
  evolve: boolean;
  /** False until a generation exists (as the toolbar's Evolve). */
  ready: boolean;
  /** True while clicks mark points. */
  marking: boolean;
  onEvolve(): void;
  /** The footer's Evolve lost the focus (it may go now). */
  onEvolveBlur(): void;
  onStopMarking(): void;
}

/**
 * The footer's bar: Evolve, the same action and name as the toolbar's (WCAG 3.2.4: one function,
 * one name), once the toolbar's is scrolled out of view (not two Evolves on screen at the top of the
 * page), and while marking, that clicks mark points with a button that stops it. Shown only while
 * the footer sticks and the toolbar does not, so Evolve stays in view on a phone.
 *
 * @param ctx The element's state and callbacks.
 * @returns The template, or nothing when it has neither.
 */
export function renderFooterBar(ctx: FooterBarContext): TemplateResult | typeof nothing {
  if (!ctx.evolve && !ctx.marking) return nothing;
  return html`
    <div part="footer-bar">
      ${ctx.evolve
        ? html`
          <button part="button footer-evolve" ?disabled=${!ctx.ready} @click=${ctx.onEvolve}
            @blur=${ctx.onEvolveBlur} title=${EVOLVE_TITLE}>Evolve</button>
        `
        : nothing}
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
