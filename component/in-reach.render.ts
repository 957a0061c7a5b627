/**
 * Templates that keep Evolve and the marking state in reach of `<latent-evolver>`'s person: the
 * strip pinned to the window's bottom where the toolbar does not stick (a phone), with its own
 * Evolve, the counts and the marking state, and the hint over the grid while clicks mark points.
 * Like latent-evolver.render.ts's, they take plain data and callbacks and hold no state.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit";
import { EVOLVE_TITLE } from "./latent-evolver.render.ts";

/** What the strip's bar needs from the element. */
export interface FooterBarContext {
  /** True while the toolbar's Evolve is out of view, or the strip's has the focus: the strip shows its own. */
  evolve: boolean;
  /** False until a generation exists (as the toolbar's Evolve). */
  ready: boolean;
  /** True while clicks mark points. */
  marking: boolean;
  /** How many images are selected and points marked (`""`: none), as the status says. */
  marks: string;
  onEvolve(): void;
  /** The footer's Evolve lost the focus (it may go now). */
  onEvolveBlur(): void;
  onStopMarking(): void;
}

/**
 * The strip's bar: Evolve, the same action and name as the toolbar's (WCAG 3.2.4: one function,
 * one name), once the toolbar's is scrolled out of view (not two Evolves on screen at the top of the
 * page), what it would evolve from (the counts), and while marking, that clicks mark points with a
 * button that stops it. One line whatever its text (the counts are cut short), so that it is always
 * as tall. Shown only where the toolbar does not stick, so Evolve stays in view on a phone.
 *
 * @param ctx The element's state and callbacks.
 * @returns The template, or nothing when it has neither Evolve nor the marking state.
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
      <span part="footer-marks">${ctx.marks}</span>
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
 * render is in flight; the Mark points button at any time). Where the primary pointer is a finger,
 * a tap, and no Escape to press. In a line kept while not marking, so that the grid does not move.
 *
 * @param marking True while clicks mark points.
 * @param touch True where the primary pointer is coarse (`matchMedia("(pointer: coarse)")`).
 * @returns The line, with the hint while marking.
 */
export function renderMarkingHint(marking: boolean, touch: boolean): TemplateResult {
  const hint = touch ? "Tap an image to mark a point" : "Click an image to mark a point · Esc to stop";
  return html`<div class="hint-line">${
    marking ? html`<p part="marking-hint" id=${MARKING_HINT_ID}>${hint}</p>` : nothing
  }</div>`;
}
