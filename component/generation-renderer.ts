/**
 * Rendering generations through the worker for `<latent-evolver>`: one render request at a time
 * (a newer one supersedes the older), the bitmaps of the generations visited last (a
 * {@link BitmapCache}), the progress of the one in flight, and the generation events fired on the
 * element.
 *
 * @module
 */

import type { ReactiveControllerHost } from "lit";
import {
  GenerationEndEvent,
  GenerationProgressEvent,
  type GenerationReason,
  GenerationStartEvent,
} from "./events.ts";
import type { EngineApi, EngineEvent, GenerationView } from "./worker/protocol.ts";
import { BitmapCache, KEPT_GENERATIONS } from "./bitmap-cache.ts";

/** Progress of the generation being rendered. */
export type RenderProgress = {
  generation: number;
  done: number;
  total: number;
  start: number;
  reason: GenerationReason;
};

/**
 * Renders generations and keeps their bitmaps; the element it belongs to is asked to update as
 * images arrive, and fires `le-generation-start`, `-progress` and `-end`.
 *
 * @example
 * ```ts
 * import { GenerationRenderer } from "./generation-renderer.ts";
 * // In SessionState: this.renderer = new GenerationRenderer(host, fail, keep);
 * ```
 */
export class GenerationRenderer {
  /** Bitmaps of the generations visited last; a slot is `undefined` until its image arrives. */
  readonly bitmaps: BitmapCache;
  /** Progress of the render in flight, or `null`. */
  progress: RenderProgress | null = null;
  /** True while a render is in flight. */
  busy = false;
  /** True when the last render failed (not cancelled or superseded): the element offers to try again. */
  failed = false;
  /** The prompt of the latest render request: a prompt change re-renders only when it differs. */
  renderedPrompt: string | null = null;
  #request = 0;
  /** The latest request that has ended: an image of it arriving late is not shown. */
  #ended = 0;
  /** The render in flight, so that an export waits for it rather than starting another. */
  #inFlight: { generation: number; done: Promise<void> } | null = null;
  /** The bitmap each canvas shows, so an update redraws only the canvases whose image changed. */
  #drawn = new WeakMap<HTMLCanvasElement, ImageBitmap>();
  #host: ReactiveControllerHost & EventTarget;
  #fail: (what: string, error: unknown) => void;

  /**
   * @param host The element: updated on progress, and the target of the generation events.
   * @param fail Shows a failed render (not a cancelled or superseded one).
   * @param keep How many generations keep their bitmaps.
   */
  constructor(
    host: ReactiveControllerHost & EventTarget,
    fail: (what: string, error: unknown) => void,
    keep: number = KEPT_GENERATIONS,
  ) {
    this.#host = host;
    this.#fail = fail;
    this.bitmaps = new BitmapCache(keep);
  }

  /**
   * The render of a generation in flight, if there is one.
   *
   * @param generation The generation's index.
   * @returns When that render ends, or `null` when none is in flight.
   */
  pending(generation: number): Promise<void> | null {
    return this.#inFlight?.generation === generation ? this.#inFlight.done : null;
  }

  /**
   * Renders the images of a generation (making it the one visited last, so that its bitmaps are
   * kept); resolves when it is done, cancelled or superseded.
   *
   * @param api The worker's API.
   * @param index The generation's index.
   * @param gen The generation.
   * @param prompt The prompt to render with.
   * @param reason Why, for the events.
   * @param indices The images to render (default: all); the others keep what they show.
   * @returns When the render has ended.
   */
  async render(
    api: Pick<EngineApi, "render">,
    index: number,
    gen: GenerationView,
    prompt: string,
    reason: GenerationReason,
    indices?: number[],
  ): Promise<void> {
    const total = indices?.length ?? gen.size;
    const request = ++this.#request;
    let ended = () => {};
    const inFlight = { generation: index, done: new Promise<void>((resolve) => (ended = resolve)) };
    this.#inFlight = inFlight;
    this.renderedPrompt = prompt;
    this.bitmaps.visit(index, gen.size);
    this.progress = { generation: index, done: 0, total, start: performance.now(), reason };
    this.busy = true;
    this.failed = false;
    this.#host.requestUpdate();
    this.#host.dispatchEvent(new GenerationStartEvent({ generation: index, total, reason }));
    let cancelled = false;
    try {
      await api.render(index, prompt, request, indices);
    } catch (error) {
      if ((error as Error)?.name === "AbortError") cancelled = true;
      else if (request === this.#request) {
        this.failed = true;
        this.#fail("Rendering failed", error);
      } else cancelled = true;
    }
    this.#ended = Math.max(this.#ended, request);
    const progress = this.progress;
    const done = request === this.#request && progress ? progress.done : 0;
    if (request === this.#request) {
      this.busy = false;
      this.progress = null;
      this.#host.requestUpdate();
    }
    this.#host.dispatchEvent(
      new GenerationEndEvent({
        generation: index,
        done,
        total,
        cancelled: cancelled || request !== this.#request,
        lineage: gen.lineage,
        ms: progress ? performance.now() - progress.start : 0,
      }),
    );
    if (this.#inFlight === inFlight) this.#inFlight = null;
    ended();
  }

  /**
   * Whether a generation is being rendered (another may be, when the person moved to a kept one).
   *
   * @param generation The generation's index.
   * @returns True while a render of it is in flight.
   */
  renders(generation: number): boolean {
    return this.busy && this.progress?.generation === generation;
  }

  /**
   * The images of a generation that are not drawn: after a cancelled render, while none is in flight.
   *
   * @param generation The generation's index.
   * @returns Their indices (none when the generation has no bitmaps kept, or is rendering).
   */
  missing(generation: number): number[] {
    const slots = this.renders(generation) ? undefined : this.bitmaps.get(generation);
    return slots ? slots.flatMap((b, i) => (b ? [] : [i])) : [];
  }

  /**
   * Takes an image from the worker; one of a superseded or ended request (its end event has
   * counted what it rendered), or of a generation dropped or released since, is closed and ignored.
   *
   * @param event The worker's image event.
   */
  onImage(event: Extract<EngineEvent, { type: "image" }>): void {
    if (event.request !== this.#request || event.request <= this.#ended) return event.bitmap.close();
    if (!this.bitmaps.put(event.generation, event.index, event.bitmap)) return;
    if (this.progress) this.progress.done++;
    this.#host.requestUpdate();
    const p = this.progress;
    this.#host.dispatchEvent(
      new GenerationProgressEvent({
        generation: event.generation,
        index: event.index,
        done: p?.done ?? 0,
        total: p?.total ?? this.bitmaps.get(event.generation)?.length ?? 0,
      }),
    );
  }

  /**
   * Draws a generation's bitmaps onto the `canvas[data-index]` elements under `root`. A canvas whose
   * image has not arrived (still rendering, or its render failed or was cancelled) is cleared: it
   * must not go on showing the image of another generation, which a person could then select.
   *
   * @param root The element's render root.
   * @param generation The generation shown.
   */
  draw(root: ParentNode, generation: number): void {
    const images = this.bitmaps.get(generation) ?? [];
    for (const canvas of root.querySelectorAll<HTMLCanvasElement>("canvas[data-index]")) {
      const bitmap = images[Number(canvas.dataset.index)];
      if (!bitmap) {
        if (this.#drawn.delete(canvas)) canvas.width = canvas.height = 1; // a resize clears it
        continue;
      }
      if (this.#drawn.get(canvas) === bitmap) continue;
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext("2d")?.drawImage(bitmap, 0, 0);
      this.#drawn.set(canvas, bitmap);
    }
  }
}
