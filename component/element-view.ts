/**
 * `<latent-evolver>`'s whole template: the state of its session, worker, messages and controls read
 * into the templates of its parts (latent-evolver.render.ts, status.render.ts), with what each
 * control and keyboard shortcut does. Apart from the class, so that the class reads as its public
 * API and its lifecycle.
 *
 * @module
 */

import { html, nothing, type ReactiveControllerHost, type TemplateResult } from "lit";
import { cssomStyle } from "./cssom-style.ts";
import { DismissedProblems } from "./dismissed-problems.ts";
import { HistoryStrip } from "./history-strip.ts";
import { PromptChangeEvent } from "./events.ts";
import type { AttributeProblem } from "./attributes.ts";
import type { EvolveValues } from "./evolve-settings.ts";
import type { HistoryActions } from "./history-actions.ts";
import type { PromptOwner } from "./prompt-owner.ts";
import type { SessionState } from "./session-state.ts";
import { marksSummary, type StatusMessages } from "./status-messages.ts";
import type { StickyControls } from "./sticky-controls.ts";
import type { InView } from "./in-view.ts";
import type { TileMarking } from "./tile-marking.ts";
import { shortcutOf } from "./tile-input.ts";
import type { WorkerController } from "./worker-controller.ts";
import { renderHistory, renderPlaceholders, renderTile, renderToolbar } from "./latent-evolver.render.ts";
import { renderErrors, renderNotice, renderStatus } from "./status.render.ts";
import { MARKING_HINT_ID, renderFooterBar, renderMarkingHint } from "./in-reach.render.ts";

/**
 * Why an image's Save failed: `exportImage`'s reason without its `Cannot export image <i>: `, whose
 * index counts from 0 where the Save's own `Cannot save image <n>` counts from 1, as captions do.
 */
function saveFailure(error: unknown): unknown {
  const message = (error as Error | null)?.message;
  const reason = typeof message === "string" ? message.replace(/^Cannot export image \d+: /, "") : message;
  return reason === message ? error : new Error(reason, { cause: error });
}

/** The element shown: its buttons call its public methods, the way a page would. */
export type ViewHost = ReactiveControllerHost & HTMLElement & {
  /** The prompt the images are rendered with. */
  prompt: string;
  /** True while clicks mark points instead of selecting. */
  marking: boolean;
  evolve(): Promise<void>;
  newBatch(): Promise<void>;
  undo(): Promise<void>;
  redo(): Promise<void>;
  showGeneration(index: number): Promise<void>;
  cancel(): void;
  downloadImage(index: number): Promise<void>;
  downloadSession(): Promise<void>;
  importSession(file: Blob): Promise<void>;
  useHere(): Promise<void>;
};

/** The element's parts the template shows and its controls change. */
export type ViewParts = {
  session: SessionState;
  engine: WorkerController;
  messages: StatusMessages;
  tiles: TileMarking;
  sticky: StickyControls;
  /** Whether the toolbar's Evolve is in the window. */
  evolveInView: InView;
  actions: HistoryActions;
  promptOwner: PromptOwner;
  /** Stores the UI state. */
  persist: () => void;
};

/**
 * Renders the element from its parts, and takes the person's input on what it rendered.
 *
 * @example
 * ```ts
 * import { ElementView } from "./element-view.ts";
 * // In elementParts (element-parts.ts): view = new ElementView(host, { session, engine, ..., persist }); render() calls
 * // this.#view.render().
 * ```
 */
export class ElementView {
  #host: ViewHost;
  #parts: ViewParts;
  /** The attribute problems the person dismissed. */
  #dismissed = new DismissedProblems();
  /** Which generation of the history strip is in the Tab order. */
  #strip: HistoryStrip;

  /**
   * @param host The element.
   * @param parts Its session, worker, messages, tiles, sticky controls (and whether Evolve is in
   *   view), history moves and prompt.
   */
  constructor(host: ViewHost, parts: ViewParts) {
    this.#host = host;
    this.#parts = parts;
    this.#strip = new HistoryStrip(host);
  }

  /** The element's template, for lit's `render()`. @returns The template. */
  render(): TemplateResult {
    const host = this.#host;
    const { session, engine, messages, tiles, actions } = this.#parts;
    const { history, settings, renderer, images } = session;
    const gen = history.shown;
    const sticky = this.#parts.sticky.state;
    const gridStyle = cssomStyle({
      ...(settings.columns > 0 ? { "--le-columns": `${settings.columns}` } : {}),
      "--le-covered-top": `${sticky.coversTop}px`,
      "--le-covered-bottom": `${sticky.coversBottom}px`,
    });
    // Two boxes: the attribute problems (Dismiss), and the last action's error (Try again where it can).
    const problems = this.#dismissed.shown([...engine.problems, ...settings.problems]);
    const problemLines = problems.map((p) => p.message), error = messages.error ? [messages.error] : [];
    const errors = [...problemLines, ...error];
    const rendering = renderer.renders(history.current);
    // The worker says when a request no longer waits to be sent again, on its own channel: it may come
    // after the render's end (or failure) does, so none is told of once no render is on its way.
    const serverRetry = renderer.busy ? engine.serverRetry : null;
    const loading = !engine.backend && !errors.length;
    // While a worker starts (a restart, a takeover) the old history shows, but nothing can act on it.
    const ready = !!gen && engine.api !== null;
    const ctx = tiles.context(
      { mode: settings.mode, reach: settings.strength * settings.radius, busy: rendering },
      // Save works while the image renders (it waits for it); one whose render was cut short is
      // rendered, except while another session is on its way in: then it fails, saying why.
      (i) =>
        void host.downloadImage(i).catch((e) => messages.fail(`Cannot save image ${i + 1}`, saveFailure(e))),
    );
    const missing = gen ? renderer.missing(history.current) : [];
    const marks = gen ? marksSummary(history.selected.length, history.marks.pointCount(history.current)) : "";
    // Errors sit in what sticks to the bottom (in view mid-grid), else above the toolbar. One that
    // can be tried again stays until it is; one that blocks nothing (a refused import) can be
    // dismissed, rather than stay until the next Evolve.
    const retry = this.#retry();
    const errorLine = html`${renderErrors(problemLines, null, () => this.#dismiss(problems))}${
      renderErrors(error, retry, retry ? undefined : this.#dismissError, messages.errorDetails)
    }`;
    // Evolve out of reach (a phone, scrolled down): the strip pinned to the bottom carries its own,
    // with the errors and the notice of what it did ("Select at least one image…") above it.
    // Focused, it stays though the toolbar's came into view (Home, PageUp): gone, it would drop the
    // focus to the page. It goes once the focus leaves it.
    const evolveFocused = !!host.shadowRoot?.activeElement?.matches('[part~="footer-evolve"]');
    const footerBar = sticky.strip
      ? renderFooterBar({
        evolve: !this.#parts.evolveInView.visible || evolveFocused,
        ready,
        marking: host.marking,
        marks,
        onEvolve: () => void host.evolve(),
        onEvolveBlur: () => host.requestUpdate(),
        onStopMarking: () => (host.marking = false),
      })
      : nothing;
    const sticksBelow = sticky.footer || sticky.strip;
    const touch = typeof matchMedia === "function" && matchMedia("(pointer: coarse)").matches;
    return html`
      ${sticksBelow ? nothing : errorLine}
      ${renderToolbar({
        prompt: this.#parts.promptOwner.field(host.prompt),
        ready,
        marking: host.marking,
        mode: settings.mode,
        strength: settings.strength,
        radius: settings.radius,
        sticky: sticky.toolbar,
        onPromptInput: (value) => this.#typed(value),
        onPromptEnter: () => {
          if (renderer.renderedPrompt !== host.prompt) actions.promptChanged(0); // else nothing new
        },
        onEvolve: () => void host.evolve(),
        onNewBatch: () => void host.newBatch(),
        onToggleMarking: () => (host.marking = !host.marking),
        onMode: (mode) => this.#changeSettings({ mode }),
        onStrength: (strength) => this.#changeSettings({ strength }),
        onRadius: (radius) => this.#changeSettings({ radius }),
      })}
      ${renderMarkingHint(host.marking, touch)}
      <div part="grid" style=${gridStyle} role="group" aria-busy=${!gen && loading ? "true" : "false"}
        aria-label=${gen ? `Images of generation ${history.current + 1}` : "Images"}
        aria-describedby=${host.marking ? MARKING_HINT_ID : nothing}>
        ${gen
          ? gen.lineage.map((l, i) => renderTile(ctx, i, l, images[i]))
          : loading
          ? renderPlaceholders(engine.config?.population ?? 0)
          : nothing}
      </div>
      <div class=${sticky.strip ? "strip sticky" : "strip"}>${sticky.strip
        ? html`${errorLine}${renderNotice(messages.notice)}`
        : nothing}${footerBar}</div>
      <div class=${sticky.footer ? "footer sticky" : "footer"}>${renderHistory({
        count: history.generations.length,
        current: history.current,
        stop: this.#strip.stop(history.current, history.generations.length),
        busy: actions.busy,
        onShow: (g) => void host.showGeneration(g),
        onFocusGeneration: this.#strip.onFocus,
        onGenerationKey: this.#strip.onKey,
        onGenerationsFocusOut: this.#strip.onFocusOut,
        onUndo: () => void host.undo(),
        onRedo: () => void host.redo(),
        onCancel: () => host.cancel(),
        ready,
        onExport: () =>
          void host.downloadSession().catch((e) => messages.fail("Cannot export the session", e)),
        onImport: (f) => void host.importSession(f),
      })}
      ${renderStatus({
        backend: engine.backend,
        model: engine.modelName,
        download: engine.download,
        serverRetry,
        progress: renderer.progress,
        failed: errors.length > 0,
        savedElsewhere: engine.savedElsewhere,
        onUseHere: () => {
          actions.keepFocus();
          void host.useHere().catch((e) => messages.fail("Cannot continue here", e));
        },
        missing: missing.length && !renderer.failed
          ? { done: gen!.size - missing.length, total: gen!.size, onRenderRest: actions.renderRest }
          : null,
        // Where the strip sticks (a phone), the notice is in it, in view (the status is not).
        notice: sticky.strip ? null : messages.notice,
        // The strip's bar shows the counts: where it sits over the status line (not pinned), twice.
        marks: footerBar === nothing ? marks : "",
        announcement: messages.announcement({
          shown: gen ? { current: history.current, count: history.generations.length } : null,
          marks,
          point: tiles.pointTold,
          serverRetry,
          rendering: rendering ? renderer.progress!.total : null,
          missing: missing.length,
          loading,
          savedElsewhere: engine.savedElsewhere,
        }),
        alert: errors.join("\n"),
      })}${sticky.footer ? errorLine : nothing}</div>
    `;
  }

  /** The keyboard shortcuts (tile-input.ts's shortcutOf), for a `keydown` listener on the element. */
  onShortcut = (e: KeyboardEvent): void => {
    const host = this.#host;
    const action = shortcutOf(e, this.#parts.actions.busy, host.marking);
    if (action === "cancel") return host.cancel();
    if (action === "stop-marking") {
      host.marking = false;
      return;
    }
    if (!action) return;
    e.preventDefault();
    void (action === "evolve" ? host.evolve() : action === "redo" ? host.redo() : host.undo());
  };

  /**
   * Try again for the error shown: starts the worker again after the model's start failed or the
   * worker kept dying, or renders again after a render failed.
   */
  #retry(): (() => void) | null {
    const { engine, session, actions } = this.#parts;
    if (engine.failed) {
      return () => {
        actions.keepFocus();
        void engine.restart();
      };
    }
    return session.renderer.failed && !session.renderer.busy ? actions.retry : null;
  }

  /** Hides the attribute problems shown (the error box's Dismiss). */
  #dismiss(problems: AttributeProblem[]): void {
    this.#parts.actions.keepFocus();
    this.#dismissed.dismiss(problems);
    this.#host.requestUpdate();
  }

  /** Hides the last action's error (its box's Dismiss, where there is no Try again). */
  #dismissError = (): void => {
    this.#parts.actions.keepFocus();
    this.#parts.messages.dismissError();
  };

  /** Takes what the person typed in the prompt field, and tells the page. */
  #typed(value: string): void {
    const host = this.#host;
    if (value === host.prompt) return; // no update would follow
    this.#parts.promptOwner.type();
    host.prompt = value;
    host.dispatchEvent(new PromptChangeEvent({ prompt: value, reason: "typed" }));
  }

  /** Takes a change of mode, strength or radius from the toolbar. */
  #changeSettings(change: Partial<EvolveValues>): void {
    const { settings } = this.#parts.session;
    settings.restore({ ...settings.values(), ...change });
    this.#parts.persist();
    this.#host.requestUpdate();
  }
}
