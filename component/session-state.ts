/**
 * The main thread's half of a `<latent-evolver>` session: the history of generations with the
 * person's marks, the evolve settings, and the bitmaps of the generations visited last. The worker
 * holds the other half (latents, lineage, surrogate), so a generation whose bitmaps were released
 * is rendered again from its latents when it is shown or exported.
 *
 * @module
 */

import type { ReactiveControllerHost } from "lit";
import type { GenerationReason, SelectionChangeDetail } from "./events.ts";
import { EvolveSettings, type EvolveValues } from "./evolve-settings.ts";
import { GenerationRenderer } from "./generation-renderer.ts";
import { GenerationHistory } from "./history.ts";
import { KEPT_GENERATIONS } from "./bitmap-cache.ts";
import { saveUiState, type UiState } from "./ui-state.ts";
import { imagePng } from "./export-files.ts";
import type { Genome } from "./png.ts";
import type { EngineApi, FeedbackMessage, GenerationView, ImportedView } from "./worker/protocol.ts";

/**
 * The marks of the generations a branch dropped, the generation it branched from, and the person's
 * own settings then (those of the last generation, not yet answered).
 */
export type Dropped = Pick<UiState, "selection" | "points"> & { from: number; settings: EvolveValues };

/**
 * The generation shown, the marks on each and the person's own settings: what a session brought back
 * or imported shows again.
 */
export type ShownMarks = Pick<UiState, "current" | "selection" | "points"> & EvolveValues;

/** The entries of a per-generation record whose generation passes `keep`. */
function generationsWhere<T>(record: Record<number, T>, keep: (generation: number) => boolean) {
  return Object.fromEntries(Object.entries(record).filter(([g]) => keep(Number(g))));
}

/**
 * History, settings and rendered images of the session shown, kept together so that they change
 * together: a new session releases every bitmap, a new branch those of the generations it drops.
 *
 * @example
 * ```ts
 * import { SessionState } from "./session-state.ts";
 * // In elementParts (element-parts.ts): new SessionState(host, (what, error) => messages.fail(what, error));
 * ```
 */
export class SessionState {
  /** The generations, the one shown, and the marks on each. */
  readonly history: GenerationHistory = new GenerationHistory();
  /** Mode, strength and radius of the next evolve. */
  readonly settings: EvolveSettings = new EvolveSettings();
  /** Renders generations and keeps the bitmaps of the ones visited last. */
  readonly renderer: GenerationRenderer;
  #promptTimer: ReturnType<typeof setTimeout> | undefined;
  #fail: (what: string, error: unknown) => void;
  /** Whether storage refused already (said once, not after every generation). */
  #saveRefused = false;

  /**
   * @param host The element: updated on progress, and the target of the generation events.
   * @param fail Shows a failed render, or storage that refused the session.
   * @param keep How many generations keep their bitmaps.
   */
  constructor(
    host: ReactiveControllerHost & EventTarget,
    fail: (what: string, error: unknown) => void,
    keep: number = KEPT_GENERATIONS,
  ) {
    this.#fail = fail;
    this.renderer = new GenerationRenderer(host, fail, keep);
  }

  /** True once the worker has reported at least one generation. */
  get started(): boolean {
    return this.history.generations.length > 0;
  }

  /**
   * True while the session is as the worker started it: its first batch, nothing selected or marked.
   * Nothing the person did is lost when it is replaced.
   */
  get untouched(): boolean {
    return this.history.generations.length <= 1 && this.history.marks.empty;
  }

  /** The images of the generation shown; a slot is `undefined` until its image arrives. */
  get images(): readonly (ImageBitmap | undefined)[] {
    return this.renderer.bitmaps.get(this.history.current) ?? [];
  }

  /**
   * Whether an image of the generation shown has no pixels: its render was cancelled or failed, and
   * none is in flight. It cannot be selected or bred from.
   *
   * @param index Image index.
   * @returns True when it is not rendered.
   */
  unrendered(index: number): boolean {
    return this.renderer.missing(this.history.current).includes(index);
  }

  /** True when every image of the generation shown is kept, so showing it needs no render. */
  get rendered(): boolean {
    return this.renderer.bitmaps.complete(this.history.current);
  }

  /**
   * The element left the page: the images (megabytes of bitmaps while a page keeps the element) and
   * a render waiting for a pause in the typing go. Back on the page, the worker's start shows the
   * session again.
   */
  release(): void {
    this.dropPromptChange();
    this.renderer.bitmaps.clear();
  }

  /** Drops a render waiting for a pause in the typing (see {@link afterPromptChange}). */
  dropPromptChange(): void {
    clearTimeout(this.#promptTimer);
  }

  /**
   * Replaces the session: one the worker started, restored or imported. Every bitmap is released,
   * and a render for a changed prompt still waiting for a pause in the typing is dropped: the
   * caller renders the new session with the prompt as it is.
   *
   * @param generations Every generation.
   * @param ui Stored UI state (generation shown, marks, the person's settings), or `null` for the
   *   last generation with no marks; the person's settings stay as they are where it has none. An
   *   answered generation shown shows its answer's settings.
   */
  reset(generations: GenerationView[], ui: UiState | ShownMarks | null): void {
    this.dropPromptChange();
    this.history.reset(generations, ui);
    this.renderer.bitmaps.clear();
    this.settings.reset(ui && "mode" in ui ? ui : this.settings.own());
    this.settings.show(this.history.shown?.answer);
  }

  /** @returns The generation shown, the marks on each and the person's own settings, as they are now (a copy). */
  shownMarks(): ShownMarks {
    return structuredClone({ ...this.history.persisted(), ...this.settings.own() });
  }

  /**
   * The answer being given to the last generation, not yet evolved from: its selection, the points
   * on the selected images, and the person's own settings. A session file carries it.
   *
   * @returns The answer, as core's `Feedback`.
   */
  pending(): Required<Omit<FeedbackMessage, "fresh">> {
    const last = this.history.generations.length - 1;
    const { marks } = this.history;
    return { selected: marks.selected(last), points: marks.feedbackPoints(last), ...this.settings.own() };
  }

  /**
   * What an imported session shows: its last generation, with the answer the file carries on it and
   * its settings (the person's own where the file has none); no marks where it carries none.
   *
   * @param imported The imported session.
   * @returns The marks to show it with.
   */
  importedMarks({ generations, pending }: ImportedView): ShownMarks {
    const last = generations.length - 1;
    const selected = [...(pending?.selected ?? [])].sort((a, b) => a - b);
    const settings = this.settings.own();
    return {
      current: last,
      selection: selected.length ? { [last]: selected } : {},
      points: pending?.points && Object.keys(pending.points).length ? { [last]: pending.points } : {},
      mode: pending?.mode ?? settings.mode,
      strength: pending?.strength ?? settings.strength,
      radius: pending?.radius ?? settings.radius,
    };
  }

  /**
   * Adds a generation and shows it; the generations from its index on are dropped with their marks
   * and bitmaps (see {@link GenerationHistory.branch}).
   *
   * @param gen The new generation.
   * @param answer The settings it was bred with: its parent's answer, shown with the parent again,
   *   and the person's own for the new generation.
   */
  branch(gen: GenerationView, answer: EvolveValues): void {
    this.renderer.bitmaps.dropAfter(gen.index - 1);
    const parent = this.history.generations[gen.index - 1];
    const { mode, strength, radius } = answer;
    if (parent) this.history.generations[gen.index - 1] = { ...parent, answer: { mode, strength, radius } };
    this.history.branch(gen);
    this.settings.keep();
  }

  /**
   * The marks a {@link branch} from the generation shown would drop: those of the later generations.
   *
   * @returns What {@link unbranch} puts back.
   */
  marksAfterShown(): Dropped {
    const from = this.history.current;
    const { selection, points } = this.history.persisted();
    const later = (g: number) => g > from;
    return structuredClone({
      from,
      selection: generationsWhere(selection, later),
      points: generationsWhere(points, later),
      settings: this.settings.own(),
    });
  }

  /**
   * Undoes a {@link branch}: takes back the generations it dropped, with the marks they had. The
   * marks of the generations it kept stay as they are now; the generation it made is gone, and if it
   * was shown, the one it branched from is. The person's own settings are those from before it.
   *
   * @param generations The whole history from before the branch.
   * @param dropped What {@link marksAfterShown} gave before the branch.
   */
  unbranch(generations: GenerationView[], dropped: Dropped): void {
    const { from } = dropped;
    const now = this.history.persisted();
    const kept = (g: number) => g <= from;
    this.renderer.bitmaps.dropAfter(from);
    this.history.reset(generations, {
      current: Math.min(now.current, from),
      selection: { ...generationsWhere(now.selection, kept), ...dropped.selection },
      points: { ...generationsWhere(now.points, kept), ...dropped.points },
    });
    this.settings.reset(dropped.settings);
    this.settings.show(this.history.shown?.answer);
  }

  /**
   * Shows another generation, with the settings of its answer (or the person's own where it has
   * none); it becomes the one visited last, which may release the bitmaps of the one visited
   * longest ago.
   *
   * @param index Generation index.
   * @returns False when there is no such generation or it is already shown.
   */
  show(index: number): boolean {
    if (!this.history.show(index)) return false;
    this.settings.show(this.history.shown?.answer);
    this.renderer.bitmaps.visit(index, this.history.generations[index].size);
    return true;
  }

  /**
   * Renders a generation through the worker.
   *
   * @param api The worker's API, or `null` while none runs (then nothing happens).
   * @param prompt The prompt to render with.
   * @param reason Why, for the events.
   * @param index The generation; by default the one shown.
   * @param indices The images to render; by default all.
   * @returns When the render has ended.
   */
  render(
    api: Pick<EngineApi, "render"> | null,
    prompt: string,
    reason: GenerationReason,
    index: number = this.history.current,
    indices?: number[],
  ): Promise<void> {
    const gen = this.history.generations[index];
    if (!api || !gen) return Promise.resolve();
    return this.renderer.render(api, index, gen, prompt, reason, indices);
  }

  /**
   * Calls `run` once `delay` ms pass without another prompt change.
   *
   * @param delay Milliseconds to wait for the person to stop typing.
   * @param run Stores the prompt and renders with it.
   */
  afterPromptChange(delay: number, run: () => void): void {
    clearTimeout(this.#promptTimer);
    this.#promptTimer = setTimeout(run, delay);
  }

  /**
   * An image of the generation shown as a PNG whose `tEXt` chunks carry its genome. An image still
   * rendering is waited for; one not kept (a cancelled render) is rendered again from its latents,
   * so that an export is never blank.
   *
   * @param api The worker's API, or `null` where nothing may render now (no worker is ready, or
   *   another session is on its way in): an image that would have to be rendered is refused.
   * @param index Image index.
   * @param made The prompt (also the one a render uses), model and seed the image is made with.
   * @returns The PNG.
   */
  async imagePng(
    api: Pick<EngineApi, "render"> | null,
    index: number,
    made: Pick<Genome, "prompt" | "model" | "modelName" | "seed">,
  ): Promise<Blob> {
    const { current, shown } = this.history;
    const lineage = shown?.lineage[index];
    if (!lineage) throw new RangeError(`Cannot export image ${index}: it is not shown`);
    if (!this.renderer.bitmaps.get(current)?.[index]) {
      const pending = this.renderer.pending(current);
      if (!pending && !api) {
        throw new Error(
          `Cannot export image ${index}: it is not rendered, and cannot be while the worker starts or another session is on its way in`,
        );
      }
      // After a cancel only the images left out are rendered; after a release, all of them.
      const missing = this.renderer.missing(current);
      await (pending ??
        (missing.length
          ? this.render(api, made.prompt, "rest", current, missing)
          : this.render(api, made.prompt, "history", current)));
    }
    const bitmap = this.renderer.bitmaps.get(current)?.[index];
    if (!bitmap) throw new RangeError(`Cannot export image ${index}: it could not be rendered`);
    return imagePng(bitmap, { ...made, generation: current, index, lineage });
  }

  /**
   * The person's feedback on the generation shown, as evolve sends it to the worker.
   *
   * @param fresh True for a new batch of fresh latents.
   * @returns The feedback.
   */
  feedback(fresh: boolean): FeedbackMessage {
    const { current, marks, selected } = this.history;
    return { selected, points: marks.feedbackPoints(current), ...this.settings.values(), fresh };
  }

  /** @returns What `le-selection-change` reports: the marks of the generation shown. */
  selection(): SelectionChangeDetail {
    const { current, marks, selected } = this.history;
    return { generation: current, selected, points: marks.pointsOf(current) };
  }

  /**
   * Stores what the worker's half of the session does not hold: the prompt, the generation shown,
   * the marks and the person's own settings (not those of an answered generation shown, which come
   * from its answer again after a reload; a change made on it is not kept). Nothing is stored before the first generation. Storage may be
   * refused (a sandboxed iframe, private browsing, a full quota): the session then goes on in
   * memory, and that is said once, see {@link storageRefused}.
   *
   * @param storageKey The element's storage key, or `null` when persistence is off.
   * @param prompt The element's prompt.
   * @param pagePrompt The prompt the page gave (see `UiState.pagePrompt`).
   */
  save(storageKey: string | null, prompt: string, pagePrompt: string): void {
    if (!storageKey || !this.started) return;
    saveUiState(storageKey, {
      version: 1,
      prompt,
      pagePrompt,
      ...this.history.persisted(),
      ...this.settings.own(),
    }).catch((error) => this.storageRefused(error));
  }

  /**
   * Says once, for this page and the worker alike, that the session cannot be saved.
   *
   * @param error Why storage refused.
   */
  storageRefused(error: unknown): void {
    if (this.#saveRefused) return;
    this.#saveRefused = true;
    this.#fail("The session cannot be saved in this page and will not survive a reload", error);
  }
}
