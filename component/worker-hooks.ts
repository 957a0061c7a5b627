/**
 * What `<latent-evolver>` does at each step of its worker's life ({@link WorkerHooks}, which
 * worker-controller.ts calls): clears the screen as a worker starts, shows the session of one that is
 * ready (with the person's stored prompt where it comes back), and shows its images, failures and
 * notices.
 *
 * @module
 */

import { BackendEvent, PromptChangeEvent } from "./events.ts";
import type { HistoryActions } from "./history-actions.ts";
import type { PromptOwner } from "./prompt-owner.ts";
import type { SessionState } from "./session-state.ts";
import type { StatusMessages } from "./status-messages.ts";
import type { UiState } from "./ui-state.ts";
import type { WorkerController } from "./worker-controller.ts";
import type { EngineEvent, InitResult } from "./worker/protocol.ts";

/** What the element does at each step of a worker's life. */
export interface WorkerHooks {
  /** URL of the worker module, read at each start (tests and hosts may change it). */
  workerUrl(): string;
  /** URL of the built-in model's manifest, read at each start. */
  builtinModelUrl(): string;
  /** A start begins: clears what the old worker left on screen. */
  onStart(): void;
  /** The stored UI state was read as a start begins (`null`: none, or nothing to read). */
  uiStateRead(ui: UiState | null): void;
  /**
   * The worker is ready: shows its session.
   *
   * @param result What `init` reported.
   * @param ui The stored UI state when the session was restored from storage, else `null`.
   */
  onReady(result: InitResult, ui: UiState | null): Promise<void>;
  /** An image arrived from the worker. */
  onImage(event: Extract<EngineEvent, { type: "image" }>): void;
  /** Shows an error, with `advice` (what the site can do about another problem) as its second line. */
  fail(what: string, error: unknown, advice?: string): void;
  /** The worker could not save the session (storage refused); it goes on in memory. */
  storageFailed(error: Error): void;
  /** The backend failed while rendering, and another renders from now on. */
  backendReplaced(event: Extract<EngineEvent, { type: "backend" }>): void;
  /** A model file could not be cached (the message says which and why); the model works all the same. */
  modelNotCached(message: string): void;
  /** The storage key, which another tab was saving under, is this element's now: save the UI state. */
  storageTaken(): void;
  /** The element left the page (not a move) and its worker ended: release what only shows images. */
  released(): void;
}

/** The element whose worker it is. */
export type WorkerHooksHost = EventTarget & {
  /** Renders the element again. */
  requestUpdate(): void;
  /** The prompt the images are rendered with; a restored one replaces it. */
  prompt: string;
};

/** The element's parts its worker's steps change. */
export type WorkerHooksParts = {
  messages: StatusMessages;
  session: SessionState;
  promptOwner: PromptOwner;
  /** The worker's controller (made with these hooks, so asked for once it runs). */
  engine: () => WorkerController;
  /** The history moves (made after the worker's controller, so asked for once it runs). */
  actions: () => HistoryActions;
  /** Stores the UI state. */
  persist: () => void;
};

/**
 * The element's hooks, but for where the worker's files are (the element's class knows that).
 *
 * @param host The element.
 * @param parts Its messages, session, prompt, worker, history moves and storage.
 * @returns The hooks.
 * @example
 * ```ts
 * import { elementWorkerHooks } from "./worker-hooks.ts";
 * // In elementParts (element-parts.ts): new WorkerController(host, { ...urls, ...elementWorkerHooks(host, parts) });
 * ```
 */
export function elementWorkerHooks(
  host: WorkerHooksHost,
  parts: WorkerHooksParts,
): Omit<WorkerHooks, "workerUrl" | "builtinModelUrl"> {
  const { messages, session, promptOwner } = parts;
  return {
    onStart: () => {
      messages.clear();
      promptOwner.started(host.prompt);
    },
    uiStateRead: (ui) => {
      promptOwner.read(ui, host.prompt);
      host.requestUpdate();
    },
    onReady: (result, ui) => showReady(host, parts, result, ui),
    onImage: (event) => session.renderer.onImage(event),
    fail: (what, error, advice) => messages.fail(what, error, advice),
    storageFailed: (error) => session.storageRefused(error),
    modelNotCached: (message) => messages.modelNotCached(message),
    storageTaken: () => parts.persist(),
    backendReplaced: ({ backend, failed, failures }) => {
      messages.backendReplaced(backend, failed);
      host.dispatchEvent(new BackendEvent({ backend, model: parts.engine().modelName, failures }));
    },
    released: () => session.release(),
  };
}

/** Shows the session of a worker that has started, with the stored UI state when it was restored. */
async function showReady(
  host: WorkerHooksHost,
  parts: WorkerHooksParts,
  result: InitResult,
  ui: UiState | null,
): Promise<void> {
  const { messages, promptOwner } = parts;
  const actions = parts.actions();
  actions.replaced(result.generations, ui);
  // The person's stored prompt, shown in the field since it was read: it stays though their stored
  // session did not come back (unreadable, another model's), and the new one is rendered with it.
  const restored = promptOwner.comingBack(host.prompt);
  if (restored !== null) {
    promptOwner.own();
    host.prompt = restored;
    host.dispatchEvent(new PromptChangeEvent({ prompt: restored, reason: "restored" }));
  }
  promptOwner.settled();
  host.requestUpdate();
  host.dispatchEvent(
    new BackendEvent({ backend: result.backend, model: result.modelName, failures: result.failures }),
  );
  if (result.unreadable !== undefined) {
    const what = "The saved session could not be read; a new one started, saved over it once it changes";
    messages.fail(what, new Error(result.unreadable));
  } else parts.persist(); // the stored UI state goes with the stored session, and stays with it
  if (result.salvaged !== undefined) messages.showError(result.salvaged);
  messages.started(); // an import the last worker ended before answering is said now
  await actions.renderShown(ui ? "restore" : "first");
}
