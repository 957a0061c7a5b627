/**
 * The parts `<latent-evolver>` is made of, wired to each other: its messages, session, prompt owner,
 * tiles, sticky controls, worker, history moves and view; and what the element does when the
 * selection changes or its UI state is stored, which several parts ask for.
 *
 * @module
 */

import { SelectionChangeEvent } from "./events.ts";
import { HistoryActions, type HistoryHost } from "./history-actions.ts";
import { InView, type InViewHost } from "./in-view.ts";
import { PromptOwner } from "./prompt-owner.ts";
import { SessionState } from "./session-state.ts";
import { StatusMessages } from "./status-messages.ts";
import { StickyControls, type StickyHost } from "./sticky-controls.ts";
import { TileMarking, type TileMarkingHost } from "./tile-marking.ts";
import { ElementView, type ViewHost } from "./element-view.ts";
import { WorkerController, type WorkerControllerHost } from "./worker-controller.ts";
import { elementWorkerHooks, type WorkerHooks, type WorkerHooksHost } from "./worker-hooks.ts";

/** The element the parts make up: what each of them needs of it. */
export type ElementPartsHost =
  & ViewHost
  & HistoryHost
  & WorkerControllerHost
  & TileMarkingHost
  & StickyHost
  & InViewHost
  & WorkerHooksHost;

/** The parts of the element. */
export type ElementParts = {
  /** The error and notice shown, and what a screen reader is told. */
  messages: StatusMessages;
  /** History, settings and the bitmaps of the generations visited last. */
  session: SessionState;
  /** Whose the prompt is: a stored one comes back only over the page's own (see PromptOwner). */
  promptOwner: PromptOwner;
  /** The selection and points of the images, by mouse and keyboard. */
  tiles: TileMarking;
  /** Whether the toolbar and the footer stick to the window's edges under a long grid. */
  sticky: StickyControls;
  /**
   * Whether the toolbar's Evolve is in the window and not under the sticky footer (else the footer
   * carries one where it sticks).
   */
  evolveInView: InView;
  /** The worker, and what the element does at each step of its life (worker-hooks.ts). */
  engine: WorkerController;
  /** Evolve, show, bring back, render the rest: the moves through the history. */
  actions: HistoryActions;
  /** The template, and what its controls and keyboard shortcuts do. */
  view: ElementView;
  /** Stores the UI state. */
  persist: () => void;
};

/**
 * Makes the element's parts, each added to it as a reactive controller where it is one.
 *
 * @param host The element.
 * @param urls Where the worker's files are (the element's class knows that).
 * @returns The parts.
 * @example
 * ```ts
 * import { elementParts } from "./element-parts.ts";
 * // In the element: #parts = elementParts(this, { workerUrl: () => url, builtinModelUrl: () => manifestUrl });
 * ```
 */
export function elementParts(
  host: ElementPartsHost,
  urls: Pick<WorkerHooks, "workerUrl" | "builtinModelUrl">,
): ElementParts {
  const messages = new StatusMessages(host);
  const session = new SessionState(host, (what, error) => messages.fail(what, error));
  const promptOwner = new PromptOwner();
  const persist = () => {
    session.save(engine.savingKey, host.prompt, promptOwner.page);
    promptOwner.stored();
  };
  const selectionChanged = () => {
    messages.selectionChanged();
    host.requestUpdate();
    persist();
    host.dispatchEvent(new SelectionChangeEvent(session.selection()));
  };
  // An image left unrendered cannot be selected or marked, which is said.
  const markable = (index: number) => {
    if (!session.unrendered(index)) return true;
    messages.notRendered([index]);
    return false;
  };
  const tiles = new TileMarking(host, session.history, selectionChanged, markable);
  const sticky = new StickyControls(host);
  const evolveInView = new InView(host, '[part~="evolve"]', () => sticky.state.coversBottom);
  const engine: WorkerController = new WorkerController(host, {
    ...urls,
    ...elementWorkerHooks(host, {
      messages,
      session,
      promptOwner,
      engine: () => engine,
      actions: () => actions,
      persist,
    }),
  });
  const actions = new HistoryActions(host, { session, messages, tiles, api: () => engine.api, persist });
  const parts = { messages, session, promptOwner, tiles, sticky, evolveInView, engine, actions, persist };
  return { ...parts, view: new ElementView(host, parts) };
}
