/**
 * Templates of `<latent-evolver>`'s tiles, toolbar and history strip, apart from the class so that
 * it reads as state and handlers (the status line and errors are in status.render.ts). They take
 * plain data and callbacks and hold no state.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit";
import { cssomStyle } from "./cssom-style.ts";
import type { Point } from "../core/latent.ts";
import type { LineageView } from "./worker/protocol.ts";
import { placeOf } from "./tile-input.ts";
import { describeLineage, explainLineage } from "./lineage-text.ts";

/** What a tile needs from the element. */
export interface TileContext {
  /** Generation shown. */
  generation: number;
  /** Selected indices. */
  selected: Set<number>;
  /** Marked points per image. */
  points: Record<number, Point[]>;
  /** Change or keep marked regions (colours the dots). */
  mode: "change" | "keep";
  /**
   * Half the side of the largest square around a point that Evolve re-samples (or keeps) when one
   * image is selected, normalised: strength x radius (core/evolution's radius schedule).
   */
  reach: number;
  /** True while clicks mark points. */
  marking: boolean;
  /** True while the generation shown renders (a missing image is coming, not left out). */
  busy: boolean;
  /** The keyboard marking cursor. */
  cursor: { index: number; x: number; y: number } | null;
  /** The image in the Tab order, with its points and Save button (every image is while marking). */
  active: number;
  /** Click (or Enter/Space) on an image. */
  onActivate(index: number, event: MouseEvent): void;
  /** Keys on an image (arrows move the focus or the cursor, Delete removes the last point). */
  onKey(index: number, event: KeyboardEvent): void;
  /** Key released on an image (Space while marking must not click it). */
  onKeyUp(event: KeyboardEvent): void;
  /** Focus entered a tile. */
  onFocus(index: number): void;
  /** Removes one point. */
  onRemovePoint(index: number, point: number): void;
  /** Downloads the image as PNG. */
  onSave(index: number): void;
}

const percent = (v: number) => `${Math.round(v * 100)}%`;

/** What Evolve does, its tooltip wherever it is (the toolbar, the footer on a phone). */
export const EVOLVE_TITLE = "Breed the next generation from the selected images (Ctrl+Enter)";
/** What the sliders do: their tooltips and, on the slider itself, its accessible description. */
const STRENGTH_HELP =
  "How far the next generation moves from the selected images, and how large its marked regions are";
const RADIUS_HELP =
  "Half the side of the largest region Evolve changes or keeps around a point, at strength 1";

/**
 * A count and its noun, in the plural unless the count is one.
 *
 * @param n The count.
 * @param noun The noun, singular.
 * @returns For example `1 point`, `3 points`.
 * @example
 * ```ts
 * import { plural } from "./latent-evolver.render.ts";
 * plural(2, "image"); // "2 images"
 * ```
 */
export const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;
/**
 * Where a point of the image sits in the overlay over it (exactly, not rounded as `percent`). Set
 * through the CSSOM (`cssomStyle`), never as a `style` attribute, which a Content-Security-Policy's
 * `style-src` without 'unsafe-inline' blocks.
 */
const at = (p: { x: number; y: number }) => ({ left: `${p.x * 100}%`, top: `${p.y * 100}%` });

/**
 * One tile: the image as a toggle button, its points as removable dots, its lineage and a save
 * button. Points sit beside the toggle, not inside it, so no interactive element nests another.
 *
 * @param ctx The element's state and callbacks.
 * @param index Image index.
 * @param lineage How the image was made.
 * @param bitmap The image, once rendered.
 * @returns The template.
 */
export function renderTile(
  ctx: TileContext,
  index: number,
  lineage: LineageView,
  bitmap: ImageBitmap | undefined,
): TemplateResult {
  const selected = ctx.selected.has(index);
  const points = ctx.points[index] ?? [];
  const cursor = ctx.marking && ctx.cursor?.index === index ? ctx.cursor : null;
  const state = bitmap ? "" : ctx.busy ? " (rendering)" : " (not rendered)";
  // Where its points are, coarsely: the point buttons (after the image in the Tab order) say exactly.
  const count = points.length
    ? `, ${plural(points.length, "point")} (${points.map(placeOf).join(", ")})`
    : "";
  const label = `Image ${index + 1}${state}${count}` +
    (ctx.marking
      ? `: Enter marks a point, arrow keys move the marker, Space selects${
        cursor ? ` (at ${percent(cursor.x)}, ${percent(cursor.y)})` : ""
      }`
      : "");
  // With this image alone selected, Evolve edits squares around its points: outline the largest.
  const side = `${2 * ctx.reach * 100}%`;
  const regions = selected && ctx.selected.size === 1 && points.length
    ? html`<div class="marks regions" aria-hidden="true">${
      points.map((p) =>
        html`
          <span part="region" class=${ctx.mode}
            style=${cssomStyle({ ...at(p), width: side, height: side })}></span>
        `
      )
    }</div>`
    : nothing;
  // Points and the cursor sit in an overlay over the image alone (inside the selection border, not
  // over the caption), so a point is drawn where it was clicked.
  // One tile in the Tab order (arrow keys move between images); while marking, every image.
  const tab = index === ctx.active ? 0 : -1;
  // Cut short at two lines where it is longer (the styles): the title gives it whole, then says it
  // again in full words (what "kept 1.2" means).
  const caption = describeLineage(lineage);
  return html`
    <div part="tile" data-index=${index} @focusin=${() => ctx.onFocus(index)}>
      <div class="frame">
        <button part="image-button" data-index=${index} aria-pressed=${selected ? "true" : "false"}
          tabindex=${ctx.marking ? 0 : tab}
          aria-label=${label} aria-busy=${!bitmap && ctx.busy ? "true" : "false"}
          aria-describedby="lineage-${index}"
          @click=${(e: MouseEvent) => ctx.onActivate(index, e)}
          @keydown=${(e: KeyboardEvent) => ctx.onKey(index, e)} @keyup=${ctx.onKeyUp}>
          <canvas part="image" data-index=${index} width="1" height="1"></canvas>
        </button>
        ${regions}
        <div class="marks">
          ${points.map((p, i) =>
            html`
              <button part="point" class="${ctx.mode}${selected ? "" : " idle"}"
                style=${cssomStyle(at(p))} tabindex=${tab}
                aria-label="Remove point ${i + 1} of image ${index + 1} at ${percent(p.x)}, ${percent(
                  p.y,
                )}${selected ? "" : " (not used while the image is not selected)"}"
                @click=${() => ctx.onRemovePoint(index, i)}></button>
            `
          )}
          ${cursor ? html`<span part="cursor" style=${cssomStyle(at(cursor))}></span>` : nothing}
        </div>
      </div>
      <span part="lineage"><span id="lineage-${index}" title="${caption}: ${explainLineage(
        lineage,
      )}">${caption}</span>
        <button part="button save" tabindex=${tab} @click=${() => ctx.onSave(index)}
          aria-label="Save image ${index + 1} as PNG">Save</button></span>
    </div>
  `;
}

/**
 * Stand-ins for the tiles while the model loads, the size the tiles will have (the same parts, the
 * lineage line hidden), so that nothing moves when the images come. Hidden from assistive
 * technology: the grid says it is busy, and the status line what is loading.
 *
 * @param count How many tiles there will be (the population).
 * @returns The templates.
 */
export function renderPlaceholders(count: number): TemplateResult[] {
  return Array.from({ length: count }, () =>
    html`
      <div part="tile placeholder" aria-hidden="true">
        <div class="frame">
          <div class="placeholder-image"></div>
        </div>
        <span part="lineage"><span>new</span><button part="button save" tabindex="-1" disabled>Save</button></span>
      </div>
    `);
}

/** What the history strip needs from the element. */
export interface HistoryContext {
  /** Number of generations. */
  count: number;
  /** Generation shown. */
  current: number;
  /** True while a generation renders. */
  busy: boolean;
  /** False while the worker starts: the session can be neither exported nor replaced. */
  ready: boolean;
  /** The generation in the Tab order: the row of generations is one Tab stop (history-strip.ts). */
  stop: number;
  /** Shows a generation. */
  onShow(index: number): void;
  /** A generation's button got the focus. */
  onFocusGeneration(index: number): void;
  /** A key on a generation's button (Left, Right, Home, End move the focus along the row). */
  onGenerationKey(index: number, event: KeyboardEvent): void;
  /** The focus left a button of the row of generations. */
  onGenerationsFocusOut(event: FocusEvent): void;
  /** Shows the previous generation. */
  onUndo(): void;
  /** Shows the next generation. */
  onRedo(): void;
  /** Cancels rendering. */
  onCancel(): void;
  /** Exports the session. */
  onExport(): void;
  /** Imports a session file. */
  onImport(file: File): void;
}

/**
 * The history strip: undo, redo, one button per generation (one Tab stop: the arrow keys move
 * along them), cancel, export and import.
 *
 * @param ctx The element's state and callbacks.
 * @returns The template.
 */
export function renderHistory(ctx: HistoryContext): TemplateResult {
  const generations = Array.from({ length: ctx.count }, (_, i) => i);
  return html`
    <nav part="history" aria-label="History">
      <button part="button undo" ?disabled=${ctx.current <= 0} @click=${ctx.onUndo}
        title="Previous generation (Ctrl+Z)">Undo</button>
      <button part="button redo" ?disabled=${ctx.current >= ctx.count - 1} @click=${ctx.onRedo}
        title="Next generation (Ctrl+Shift+Z)">Redo</button>
      <span class="generations-group"><span part="generations-label" id="generations-label">Generations</span>
      <span class="generations" role="group" aria-labelledby="generations-label"
        @focusout=${ctx.onGenerationsFocusOut}>${generations.map((g) =>
          html`
            <button part="button generation" aria-current=${g === ctx.current ? "true" : "false"}
              tabindex=${g === ctx.stop ? 0 : -1} aria-label="Generation ${g + 1}" @click=${() =>
                ctx.onShow(g)}
              @focus=${() => ctx.onFocusGeneration(g)} @keydown=${(e: KeyboardEvent) =>
                ctx.onGenerationKey(g, e)}>${g + 1}</button>
          `
        )}</span></span>
      <button part="button cancel" ?disabled=${!ctx.busy} @click=${ctx.onCancel}>Cancel</button>
      <button part="button export" ?disabled=${!ctx.ready} @click=${ctx.onExport}>Export session</button>
      <label part="button import">Import session <input type="file" accept=".bin,application/octet-stream"
        ?disabled=${!ctx.ready}
        @change=${(e: Event) => {
          const input = e.target as HTMLInputElement;
          if (input.files?.[0]) ctx.onImport(input.files[0]);
          input.value = "";
        }} /></label>
    </nav>
  `;
}

/** What the toolbar needs from the element. */
export interface ToolbarContext {
  /** The prompt. */
  prompt: string;
  /** False until a generation exists and a model is ready: the controls that act on images are disabled. */
  ready: boolean;
  /** True while clicks mark points. */
  marking: boolean;
  /** Change or keep marked regions. */
  mode: "change" | "keep";
  /** Strength slider value. */
  strength: number;
  /** Radius slider value. */
  radius: number;
  /** True when the toolbar sticks to the top of the window (component/sticky-controls.ts). */
  sticky: boolean;
  onPromptInput(value: string): void;
  onPromptEnter(): void;
  onEvolve(): void;
  onNewBatch(): void;
  onToggleMarking(): void;
  onMode(mode: "change" | "keep"): void;
  onStrength(value: number): void;
  onRadius(value: number): void;
}

/**
 * The toolbar: prompt, Evolve, New batch, the marking toggle, Change or Keep for the marked regions
 * (with the colour of their dots), strength and radius sliders.
 *
 * @param ctx The element's state and callbacks.
 * @returns The template.
 */
export function renderToolbar(ctx: ToolbarContext): TemplateResult {
  const value = (e: Event) => (e.target as HTMLInputElement).value;
  return html`
    <div part="toolbar" class=${ctx.sticky ? "sticky" : ""} role="group" aria-label="Evolution controls">
      <label class="visually-hidden" for="prompt">Prompt</label>
      <input id="prompt" part="prompt" type="text" placeholder="Describe the image" .value=${ctx.prompt}
        @input=${(e: Event) => ctx.onPromptInput(value(e))}
        @keydown=${(e: KeyboardEvent) =>
          e.key === "Enter" && !e.ctrlKey && !e.metaKey && ctx.onPromptEnter()} />
      <button part="button evolve" ?disabled=${!ctx.ready} @click=${ctx.onEvolve}
        title=${EVOLVE_TITLE}>Evolve</button>
      <button part="button new-batch" ?disabled=${!ctx.ready} @click=${ctx.onNewBatch}>New batch</button>
      <button part="button mark" aria-pressed=${ctx.marking ? "true" : "false"} @click=${ctx.onToggleMarking}
        ?disabled=${!ctx.ready}
        title="While on, clicking an image marks a point (arrow keys move the marker, Enter marks, Space or Ctrl+click selects: Cmd+click on a Mac). Shift+click marks too."
      >Mark points</button>
      <span part="mode" role="radiogroup" aria-label="Marked regions"
        title="What the next generation does with the regions around the points of the selected images"
      >Marked regions: ${(["change", "keep"] as const).map((mode) =>
        html`
          <label part="mode-option ${mode}"><input type="radio" name="mode" value=${mode}
            ?disabled=${!ctx.ready}
            .checked=${ctx.mode === mode} @change=${() => ctx.onMode(mode)} /><span class="swatch ${mode}"
            aria-hidden="true"></span>${mode === "change" ? "Change" : "Keep"}</label>
        `
      )}</span>
      <label title=${STRENGTH_HELP}>Strength <input type="range" min="0.05" max="3" step="0.05"
        .value=${String(ctx.strength)} ?disabled=${!ctx.ready} title=${STRENGTH_HELP} aria-valuetext=${ctx
          .strength.toFixed(2)}
        @input=${(e: Event) => ctx.onStrength(Number(value(e)))} /><span part="strength-value" class="value"
        >${ctx.strength.toFixed(2)}</span></label>
      <label title=${RADIUS_HELP}>Radius <input type="range" min="0.02" max="0.5" step="0.01"
        .value=${String(ctx.radius)} ?disabled=${!ctx.ready} title=${RADIUS_HELP} aria-valuetext=${percent(
          ctx.radius,
        )}
        @input=${(e: Event) => ctx.onRadius(Number(value(e)))} /><span part="radius-value" class="value"
        >${percent(ctx.radius)}</span></label>
    </div>
  `;
}
