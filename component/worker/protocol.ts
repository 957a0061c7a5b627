/**
 * The plain-data protocol between `<latent-evolver>` and its worker. Both sides import these types
 * and nothing else from each other, so the worker can be swapped or restarted without the element
 * knowing its internals.
 *
 * @module
 */

import type { Point } from "../../core/latent.ts";
import type { Feedback } from "../../core/feedback.ts";

/** Which inference backend to use: `auto` tries webgpu, then server (if set), then wasm. */
export type BackendPreference = "auto" | "webgpu" | "wasm" | "server";

/** A backend that actually ran. */
export type BackendName = "webgpu" | "wasm" | "server";

/**
 * A backend that could not run the model, and why; `unreachable`: the origin of the server that
 * could not be reached, where that was why (read from the error's {@link UnreachableCause}).
 */
export type FailedBackend = { backend: BackendName; message: string; unreachable?: string };

/**
 * The `cause` of the error `BackendRegistry.select` (backends/registry.ts) throws when no backend can run the model;
 * it crosses to the element with the error (error-transfer.ts).
 */
export interface NoBackendCause {
  /** Each backend's failure, as the message lists them. */
  failures: FailedBackend[];
  /** The backends of `failures` passed over as not applicable (no server attribute, no WebGPU), not tried. */
  skipped: BackendName[];
}

/**
 * Why the WebGPU backend is passed over where the page has no WebGPU to use, as its failure's
 * message says it (backends/onnx.ts): the element tells the cases apart by it, to say what helps
 * (plain-errors.ts) and whether trying again may.
 */
export const NO_WEBGPU = {
  /** A page on plain http (not localhost): browsers give WebGPU only to secure contexts. */
  insecure:
    "WebGPU is given only to pages served over https (or from localhost), and this page is on plain http",
  /** The browser has none. */
  missing: "this browser has no WebGPU (navigator.gpu is missing)",
  /** No adapter now: a GPU process that crashed or restarts gives none for a while. */
  noAdapter: "WebGPU has no adapter (requestAdapter() returned null)",
} as const;

/**
 * The `cause` of the server backend's error when its server cannot be reached (no connection, or a
 * CORS request refused, which a browser hides as one): the server's origin, which the element names in
 * words (plain-errors.ts) without reading the message, and the fetch's own error. Plain data, so it
 * crosses to the element with the error (error-transfer.ts).
 */
export interface UnreachableCause {
  /** The server's origin (`https://gpu:8000`). */
  unreachable: string;
  /** What the fetch rejected with. */
  error: unknown;
}

/**
 * The origin of the server an error says could not be reached, from its {@link UnreachableCause}.
 *
 * @param error Any thrown value.
 * @returns The origin, or `undefined` when the error is no such error.
 * @example
 * ```ts
 * import { unreachableOrigin } from "./protocol.ts";
 * const cause = { unreachable: "http://gpu:8000", error: new TypeError("Failed to fetch") };
 * unreachableOrigin(new Error("...", { cause })); // "http://gpu:8000"
 * ```
 */
export function unreachableOrigin(error: unknown): string | undefined {
  const origin = ((error as { cause?: Partial<UnreachableCause> } | null)?.cause)?.unreachable;
  return typeof origin === "string" ? origin : undefined;
}

/**
 * A render's request the server backend waits to send again (see backends/server-http.ts): which
 * retry it waits for, of how many, and whether the server answered busy (502, 503, 504) or not at all.
 */
export interface ServerRetry {
  /** The retry waited for, from 1. */
  retry: number;
  /** Retries at most. */
  retries: number;
  /** True when the server answered that it is busy; false when it did not answer. */
  busy: boolean;
}

/** What the element tells the worker when it starts (or restarts) it. */
export interface EngineConfig {
  /** Absolute URL of the model manifest. */
  model: string;
  /** Base URL of the inference server, or `""` when none is set. */
  server: string;
  /** Bearer token for the server (its `--token`), or `""`. Never stored. */
  serverToken: string;
  /** Backend preference from the `backend` attribute. */
  backend: BackendPreference;
  /** Images per generation, 1 to 64. */
  population: number;
  /**
   * Seed of the session's random generator, or `null` when the `seed` attribute is not set: the
   * worker then keeps the stored session's seed, or draws one for a new session.
   */
  seed: number | string | null;
  /** IndexedDB namespace, or `null` when persistence is off. */
  storageKey: string | null;
  /**
   * False while an element in another tab saves under `storageKey`: the stored session is restored
   * but nothing is saved until `setSaving(true)`.
   */
  save: boolean;
}

/** Where an image came from: the core lineage record, as plain data. */
export interface LineageView {
  /** The operator that made the image (`diverse`, `voronoi`, `localMutation`, ...). */
  operator: string;
  /** Parent images as (generation, index) pairs. */
  parents: { generation: number; index: number }[];
  /** The seed the operator's generator started from. */
  seed: number;
  /** The operator's parameters. */
  params: Record<string, unknown>;
}

/** One generation as the element sees it: everything but the latents. */
export interface GenerationView {
  /** Position in the session, 0 for the first batch. */
  index: number;
  /** Number of images. */
  size: number;
  /** How each image was made. */
  lineage: LineageView[];
  /**
   * The settings of the answer this generation had (what the next one was bred with), absent while
   * it has none. The element's answers give all three; a session made otherwise may lack some.
   */
  answer?: Partial<Pick<FeedbackMessage, "mode" | "strength" | "radius">>;
}

/**
 * What an Evolve gives: the new generation, or (`existing`) the one the same answer made before, when
 * it was given from an earlier generation that already had that answer: nothing was bred or dropped.
 */
export type EvolvedView = GenerationView & { existing?: boolean };

/** A session imported from a file: its generations, and the answer being given to the last, if any. */
export interface ImportedView {
  /** Every generation. */
  generations: GenerationView[];
  /** The answer being given to the last generation when the file was written, if it carries one. */
  pending?: Feedback;
}

/** The person's feedback on one generation, sent when they press Evolve or New batch. */
export interface FeedbackMessage {
  /** Selected image indices. */
  selected: number[];
  /** Marked points per image index, normalised coordinates. */
  points: Record<number, Point[]>;
  /** Whether marked regions are changed or kept. */
  mode: "change" | "keep";
  /** Scale of the mutation step (1 = default). */
  strength: number;
  /** Region radius around a point, normalised (0..1). */
  radius: number;
  /** True for "New batch": fresh diverse latents. */
  fresh?: boolean;
}

/** What `init` reports back. */
export interface InitResult {
  /** The backend that was chosen. */
  backend: BackendName;
  /** Backends `auto` tried first that could not run the model, with why. */
  failures: FailedBackend[];
  /** The model's name, from its manifest. */
  modelName: string;
  /** Every generation of the session (restored from storage, or the first one). */
  generations: GenerationView[];
  /** True when the session came from storage rather than being created. */
  restored: boolean;
  /** The session's seed (the attribute's, the stored session's, or drawn). */
  seed: number | string;
  /**
   * Why the stored session could not be read (storage failed, or its bytes are not a session), when
   * it could not: a new session started, and is saved over the stored one only at its first change.
   */
  unreadable?: string;
  /**
   * What was lost when the stored session's later generations could not be read: those before
   * them were restored (the message says which).
   */
  salvaged?: string;
}

/** Events the worker streams to the element while it works. */
export type EngineEvent =
  /** Bytes downloaded of the model's files and, on webgpu and wasm, onnxruntime's wasm. */
  | { type: "download"; loaded: number; total: number }
  | { type: "image"; request: number; generation: number; index: number; bitmap: ImageBitmap }
  /** Saving the session was refused (sandboxed iframe, private mode, full quota). */
  | { type: "storage-failed"; message: string }
  /**
   * The backend failed while rendering (`failed`, its message starting "failed while rendering: ")
   * and another (in `auto`) renders from now on; `failures`: every backend that failed so far.
   */
  | { type: "backend"; backend: BackendName; failed: FailedBackend; failures: FailedBackend[] }
  /**
   * A model file could not be kept in Cache Storage (a full quota, a response with `Vary: *`): the
   * model works, and downloads again at the next visit. The message names the file and why.
   */
  | { type: "model-not-cached"; message: string }
  /**
   * The server backend waits to send a request of the render again (the furthest retry of those
   * waiting), or `null`: none waits any more (answered, failed or cancelled).
   */
  | { type: "server-retry"; retry: ServerRetry | null };

/** Receives {@link EngineEvent}s; the element passes it wrapped in `Comlink.proxy`. */
export type EngineListener = (event: EngineEvent) => void;

/** The worker's API, exposed with Comlink. Every method may reject with a real `Error`. */
export interface EngineApi {
  /** Loads the model, picks a backend, restores or creates the session. */
  init(config: EngineConfig, listener: EngineListener): Promise<InitResult>;
  /**
   * Renders the images of a generation with a prompt (every one, or those of `indices`), streaming
   * `image` events tagged `request`. A newer `render`, `evolve` or `cancel` aborts it (it then
   * rejects with an AbortError).
   */
  render(generation: number, prompt: string, request: number, indices?: number[]): Promise<void>;
  /**
   * Breeds a new generation from `from` (later generations are dropped: a new branch of history,
   * which {@link restoreReplaced} brings back until the session next changes) and returns it; the
   * caller renders it. What was kept for a Bring back before is forgotten, and dropped from storage,
   * also when the answer is the one `from` already had (`existing`: nothing is bred).
   */
  evolve(from: number, feedback: FeedbackMessage): Promise<EvolvedView>;
  /**
   * Puts back the session as it was before the last evolve that dropped later generations, and
   * returns its generations. Rejects with a RangeError when there is none to put back.
   */
  restoreReplaced(): Promise<GenerationView[]>;
  /** Aborts the render in flight, if any. */
  cancel(): void;
  /**
   * The whole session as a versioned binary file, with the answer being given to its last generation
   * (the element's selection, points and settings there) when `pending` is given.
   */
  exportSession(pending?: Feedback): Promise<Uint8Array>;
  /**
   * Replaces the session with one from a file and returns its generations. The session it replaces
   * is kept, for {@link restoreImported}, until the session next changes, unless `keep` is false (the
   * element offers no Bring back for it); a file refused changes nothing (an earlier import's
   * session stays kept). The answer being given to the last generation comes too, where the file has one.
   */
  importSession(bytes: Uint8Array, keep?: boolean): Promise<ImportedView>;
  /**
   * Puts back the session as it was before the last import (only the last: one level), and returns
   * its generations. Rejects with a RangeError when there is none: an evolve or Bring back since.
   */
  restoreImported(): Promise<GenerationView[]>;
  /**
   * Turns saving off, or on (see `EngineConfig.save`): then the session is saved at once, unless
   * storage no longer holds what this engine loaded or last saved (another tab saved since).
   *
   * @returns False when saving stays off because of such a newer stored session.
   */
  setSaving(on: boolean): Promise<boolean>;
}
