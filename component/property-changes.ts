/**
 * What `<latent-evolver>` does with the properties that changed, before it renders: the prompt read
 * as text, the worker restarted when its config changed, the slider and layout attributes taken
 * (their bad values reported once), and the images rendered again with a new prompt.
 *
 * @module
 */

import type { PropertyValues } from "lit";
import { dispatchAttributeErrors } from "./events.ts";
import type { EvolveSettings } from "./evolve-settings.ts";
import type { HistoryActions } from "./history-actions.ts";
import type { PromptOwner } from "./prompt-owner.ts";
import type { SessionState } from "./session-state.ts";
import type { WorkerController } from "./worker-controller.ts";

/** Properties that make the worker's config: a change restarts it. */
const RESTART_ON = ["model", "server", "serverToken", "backend", "population", "seed", "storageKey"] as const;

/** The element whose properties changed: its slider and layout attributes among them. */
export type PropertyChangesHost = HTMLElement & Parameters<EvolveSettings["read"]>[0] & {
  /** The prompt the images are rendered with; a framework may set it to `null` or a number. */
  prompt: string;
  /** The storage key attribute (`none`: no persistence). */
  storageKey: string | null;
  /** False before the element's first update. */
  readonly hasUpdated: boolean;
  /** Renders the element again. */
  requestUpdate(): void;
};

/** The element's parts a property change reaches. */
export type PropertyChangesParts = {
  session: SessionState;
  promptOwner: PromptOwner;
  engine: WorkerController;
  actions: HistoryActions;
};

/**
 * Answers the properties that changed, in lit's `willUpdate`.
 *
 * @param host The element.
 * @param changed The properties that changed, with their old values.
 * @param parts Its session, prompt owner, worker and history moves.
 * @example
 * ```ts
 * import { propertiesChanged } from "./property-changes.ts";
 * // In the element's willUpdate(changed): propertiesChanged(this, changed, parts);
 * ```
 */
export function propertiesChanged(
  host: PropertyChangesHost,
  changed: PropertyValues,
  parts: PropertyChangesParts,
): void {
  const { session, promptOwner, engine, actions } = parts;
  // A framework may set the property to its unset state (null, undefined) or to a number.
  if (typeof host.prompt !== "string") host.prompt = host.prompt == null ? "" : String(host.prompt);
  if (changed.has("prompt")) promptOwner.changed(host.prompt);
  const first = !host.hasUpdated;
  // The first start reads the stored prompt, which may replace this one: not shown meanwhile.
  if (first && host.isConnected && String(host.storageKey ?? "").trim() !== "none") {
    promptOwner.reading();
  }
  const restart = first || (RESTART_ON.some((p) => changed.has(p)) && engine.configChanged());
  if (restart && host.isConnected) engine.scheduleRestart();
  if (changed.has("mutationStrength") || changed.has("radius") || changed.has("columns")) {
    validateSliders(host, session, changed);
  }
  const { started, renderer } = session;
  if (changed.has("prompt") && started && host.prompt !== renderer.renderedPrompt) {
    actions.promptChanged(250);
  }
}

/** Takes the slider and layout attributes that changed, and reports their bad values (once). */
function validateSliders(host: PropertyChangesHost, session: SessionState, changed: PropertyValues): void {
  const first = !host.hasUpdated;
  dispatchAttributeErrors(host, session.settings.read(host, (p) => first || changed.has(p)));
  host.requestUpdate();
}
