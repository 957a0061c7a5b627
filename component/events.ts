/**
 * The events `<latent-evolver>` fires: typed `Event` subclasses with a readonly `detail`. All
 * bubble and are composed, so a page can listen on any ancestor, across shadow roots.
 *
 * @module
 */

import type { BackendName, LineageView } from "./worker/protocol.ts";
import type { Point } from "../core/latent.ts";

const init: EventInit = { bubbles: true, composed: true };

/** Detail of {@link SelectionChangeEvent}. */
export interface SelectionChangeDetail {
  /** Index of the generation shown. */
  generation: number;
  /** Selected image indices, ascending. */
  selected: number[];
  /** Marked points per image index. */
  points: Record<number, Point[]>;
}

/**
 * Fired when the person selects or deselects an image, or marks or removes a point.
 *
 * @example
 * ```ts
 * import { SelectionChangeEvent } from "./events.ts";
 * document.addEventListener(SelectionChangeEvent.type, (e) => console.log(e.detail.selected));
 * ```
 */
export class SelectionChangeEvent extends Event {
  /** The event's name. */
  static readonly type = "le-selection-change";
  /** What is selected now. */
  readonly detail: SelectionChangeDetail;
  /** @param detail What is selected now. */
  constructor(detail: SelectionChangeDetail) {
    super(SelectionChangeEvent.type, init);
    this.detail = detail;
  }
}

/** Detail of {@link PromptChangeEvent}. */
export interface PromptChangeDetail {
  /** The prompt now. */
  prompt: string;
  /** `typed`: the person edited it in the prompt field; `restored`: a reload brought back theirs. */
  reason: "typed" | "restored";
}

/**
 * Fired when the element changes its prompt itself: the person typed in the prompt field (at each
 * edit, as `input` fires), or a reload restored the prompt they had typed. Not when the page sets
 * the `prompt` attribute or property. The images follow a typed prompt after a pause (or Enter).
 *
 * @example
 * ```ts
 * import { PromptChangeEvent } from "./events.ts";
 * document.addEventListener(PromptChangeEvent.type, (e) => console.log(e.detail.prompt));
 * ```
 */
export class PromptChangeEvent extends Event {
  /** The event's name. */
  static readonly type = "le-prompt-change";
  /** The prompt, and why it changed. */
  readonly detail: PromptChangeDetail;
  /** @param detail The prompt, and why it changed. */
  constructor(detail: PromptChangeDetail) {
    super(PromptChangeEvent.type, init);
    this.detail = detail;
  }
}

/** Why a generation is being rendered. */
export type GenerationReason =
  | "first"
  | "evolve"
  | "new-batch"
  | "prompt"
  | "restore"
  | "history"
  | "retry"
  | "rest";

/** Detail of {@link GenerationStartEvent}. */
export interface GenerationStartDetail {
  /** Index of the generation being rendered. */
  generation: number;
  /** Number of images this render makes: the generation's, or for `rest` those a cancelled render left out. */
  total: number;
  /** What caused it. */
  reason: GenerationReason;
}

/** Fired when a generation starts rendering. */
export class GenerationStartEvent extends Event {
  /** The event's name. */
  static readonly type = "le-generation-start";
  /** Which generation, how many images, and why. */
  readonly detail: GenerationStartDetail;
  /** @param detail Which generation, how many images, and why. */
  constructor(detail: GenerationStartDetail) {
    super(GenerationStartEvent.type, init);
    this.detail = detail;
  }
}

/** Detail of {@link GenerationProgressEvent}. */
export interface GenerationProgressDetail {
  /** Index of the generation being rendered. */
  generation: number;
  /** Index of the image that just finished. */
  index: number;
  /** Images finished so far. */
  done: number;
  /** Images this render makes (see {@link GenerationStartDetail.total}). */
  total: number;
}

/** Fired each time one image of a generation is shown. */
export class GenerationProgressEvent extends Event {
  /** The event's name. */
  static readonly type = "le-generation-progress";
  /** Which image finished, and how far the generation is. */
  readonly detail: GenerationProgressDetail;
  /** @param detail Which image finished, and how far the generation is. */
  constructor(detail: GenerationProgressDetail) {
    super(GenerationProgressEvent.type, init);
    this.detail = detail;
  }
}

/** Detail of {@link GenerationEndEvent}. */
export interface GenerationEndDetail {
  /** Index of the generation. */
  generation: number;
  /** Images this render showed. */
  done: number;
  /** Images this render makes (see {@link GenerationStartDetail.total}). */
  total: number;
  /** True when it was cancelled or replaced before finishing. */
  cancelled: boolean;
  /** How each image was made. */
  lineage: LineageView[];
  /** Milliseconds from start to end. */
  ms: number;
}

/** Fired when a generation has finished rendering, or was cancelled. */
export class GenerationEndEvent extends Event {
  /** The event's name. */
  static readonly type = "le-generation-end";
  /** The outcome. */
  readonly detail: GenerationEndDetail;
  /** @param detail The outcome. */
  constructor(detail: GenerationEndDetail) {
    super(GenerationEndEvent.type, init);
    this.detail = detail;
  }
}

/** Detail of {@link BackendEvent}. */
export interface BackendDetail {
  /** The backend that runs the model. */
  backend: BackendName;
  /** The model's name. */
  model: string;
  /** Backends tried first that failed, with why. */
  failures: { backend: BackendName; message: string }[];
}

/** Fired when the element has chosen the backend that runs the model. */
export class BackendEvent extends Event {
  /** The event's name. */
  static readonly type = "le-backend";
  /** Which backend, and which failed before it. */
  readonly detail: BackendDetail;
  /** @param detail Which backend, and which failed before it. */
  constructor(detail: BackendDetail) {
    super(BackendEvent.type, init);
    this.detail = detail;
  }
}

/** Detail of {@link ErrorEvent}. */
export interface ErrorDetail {
  /** The message shown in the element. */
  message: string;
  /** The underlying error or value, if any. */
  cause?: unknown;
  /**
   * The developer's message, where `message` says it in words for people (`a.png is not a
   * latent-evolver session file.` for core's `Cannot read a session: not a latent-evolver session (no
   * "LEVS" signature)`); absent where `message` is that message.
   */
  details?: string;
  /** The attribute at fault, when the error is about one. */
  attribute?: string;
}

/** Fired when something goes wrong: a bad attribute, a model that fails to load, a failed render. */
export class LatentEvolverErrorEvent extends Event {
  /** The event's name. */
  static readonly type = "le-error";
  /** The message and its cause. */
  readonly detail: ErrorDetail;
  /** @param detail The message and its cause. */
  constructor(detail: ErrorDetail) {
    super(LatentEvolverErrorEvent.type, init);
    this.detail = detail;
  }
}

/**
 * Fires one `le-error` per rejected attribute value.
 *
 * @param target The element.
 * @param problems Each attribute at fault and its message.
 * @example
 * ```ts
 * import { dispatchAttributeErrors } from "./events.ts";
 * dispatchAttributeErrors(new EventTarget(), [{ attribute: "population", message: "population must be ..." }]);
 * ```
 */
export function dispatchAttributeErrors(
  target: EventTarget,
  problems: readonly { attribute: string; message: string }[],
): void {
  for (const { attribute, message } of problems) {
    target.dispatchEvent(new LatentEvolverErrorEvent({ message, attribute }));
  }
}

/**
 * Each event `<latent-evolver>` fires, by name, with its class: the one list that the DOM's event map
 * (`addEventListener`) and the framework typings (latent-evolver/react, /vue, /svelte) are made from.
 */
export interface LatentEvolverEventMap {
  "le-selection-change": SelectionChangeEvent;
  "le-prompt-change": PromptChangeEvent;
  "le-generation-start": GenerationStartEvent;
  "le-generation-progress": GenerationProgressEvent;
  "le-generation-end": GenerationEndEvent;
  "le-backend": BackendEvent;
  "le-error": LatentEvolverErrorEvent;
}

declare global {
  interface GlobalEventHandlersEventMap extends LatentEvolverEventMap {}
}
