/**
 * Templates of `<latent-evolver>`'s status line (backend, progress, notices, what a screen reader is
 * told) and its error box. Like latent-evolver.render.ts's, they take plain data and callbacks and
 * hold no state.
 *
 * @module
 */

import { html, nothing, type TemplateResult } from "lit";
import { cssomStyle } from "./cssom-style.ts";
import type { ServerRetry } from "./worker/protocol.ts";

/** What the status line shows. */
export interface StatusContext {
  /** The backend in use, once chosen. */
  backend: string | null;
  /** The model's name. */
  model: string;
  /**
   * Download progress in bytes: the model's files, and onnxruntime's wasm where it runs on it (the
   * "image generator": with the built-in model the runtime is most of it, with SD-Turbo the model).
   */
  download: { loaded: number; total: number } | null;
  /** The server backend's request waiting to be sent again, or `null`. */
  serverRetry: ServerRetry | null;
  /** Images done of the generation rendering. */
  progress: { done: number; total: number } | null;
  /** True when an error is shown (then no "Loading" line). */
  failed: boolean;
  /** True while another tab saves this session (this one saves nothing). */
  savedElsewhere: boolean;
  /** Takes the session over from that tab. */
  onUseHere: () => void;
  /** Images of the generation shown left out by a cancelled render, and how to render them. */
  missing: { done: number; total: number; onRenderRest: () => void } | null;
  /** What the last action did, with a button that undoes it where it can be undone. */
  notice: Notice | null;
  /** What a screen reader is told, in a polite live region: a change of generation or state. */
  announcement: string;
  /**
   * How many images of the generation shown are selected and points marked (`""`: none, or shown in
   * the strip's bar instead).
   */
  marks: string;
  /**
   * The errors shown, one per line (`""`: none), in an assertive live region that stays in place:
   * the error box a person sees moves between the top and the sticky footer, and a live region moved
   * is read out again.
   */
  alert: string;
}

/**
 * A line in the status about what the last action did, and how to undo it. One that came over an
 * older notice with a button (Bring back) keeps that notice in `over`, shown apart on a line of its
 * own under this one's text, with its button; `action` is then that button too, so that whatever
 * keeps a notice for its button keeps this one.
 */
export type Notice = { text: string; action?: { label: string; run: () => void }; over?: Notice };

/** How much of a download is done, in the unit of its total: `3.1 of 26.8 MB`, `12 of 18 KB`. */
function amountOf(loaded: number, total: number): string {
  const [unit, name, digits] = total >= 1e6 ? [1e6, "MB", 1] : [1e3, "KB", 0];
  const amount = (n: number) => (n / unit).toFixed(digits);
  return `${amount(loaded)} of ${amount(total)} ${name}`;
}

/**
 * What the status says (and the live region tells) while a request waits to be sent to the server
 * again.
 *
 * @param retry The request's retry.
 * @returns For example `The image server is busy; trying again (2 of 3)…`.
 */
export function retryText({ retry, retries, busy }: ServerRetry): string {
  return `The image server is ${busy ? "busy" : "not answering"}; trying again (${retry} of ${retries})…`;
}

/**
 * The notice: what the last action did, with its button (Bring back) where it has one. In the status
 * line, or where the strip pinned to the window's bottom sticks (a phone), in that strip. A notice
 * that came over an older one (see {@link Notice}) shows its text on a line of its own, the older
 * notice with its button on the next: run together, "Select at least one image… [Bring back]" read as
 * if Bring back answered it.
 *
 * @param notice The notice, or `null`.
 * @returns The template, or nothing without a notice.
 */
export function renderNotice(notice: Notice | null): TemplateResult | typeof nothing {
  if (!notice) return nothing;
  if (!notice.over) return html`<span part="notice">${notice.text}${renderNoticeAction(notice)}</span>`;
  return html`
    <div part="notice">
      <div>${notice.text}</div>
      <div>${notice.over.text}${renderNoticeAction(notice.over)}</div>
    </div>
  `;
}

/** A notice's button, after its text, or nothing. */
function renderNoticeAction(notice: Notice): TemplateResult | typeof nothing {
  return notice.action
    ? html`
      <button part="button notice-action" @click=${notice.action.run}>${notice.action.label}</button>
    `
    : nothing;
}

/**
 * What a screen reader is told of a notice: its text, then the older notice's it came over.
 *
 * @param notice The notice.
 * @returns Its words, on one line.
 */
export function noticeWords(notice: Notice): string {
  return notice.over ? `${notice.text} ${notice.over.text}` : notice.text;
}

/**
 * The backend and model, and in their place while a render is on its way, its progress: one place
 * of one width, as wide as the wider of the two (the progress's is fixed, its count in tabular
 * digits), so that the status line neither grows nor reflows as a render starts, counts up and
 * ends (the footer that holds it sticks to the window's bottom: a line more would move it all).
 *
 * @param ctx What to show.
 * @returns The template, or nothing before a backend is chosen.
 */
function renderBackend(ctx: StatusContext): TemplateResult | typeof nothing {
  const { progress } = ctx;
  if (!ctx.backend && !progress) return nothing;
  const backend = ctx.backend ? `Backend: ${ctx.backend} · ${ctx.model}` : "";
  const digits = String(progress?.total ?? 0).length;
  return html`<span class="backend-progress"><span class=${progress ? "unseen" : ""}>${backend}</span>${
    progress
      ? html`<label class="images">Images <progress max=${progress.total} value=${progress.done}></progress>
        <span class="count" style=${
        cssomStyle({ "min-width": `${2 * digits + 3}ch` })
      }>${progress.done} / ${progress.total}</span></label>`
      : html`<span class="images"></span>`
  }</span>`;
}

/**
 * The status line: backend and model (or a render's progress), download progress, the notice, and
 * the note (with its Use here button) while another tab saves the session. The server's retries,
 * which come and go during a render, come last, so that nothing moves for them.
 *
 * @param ctx What to show (its notice `null` where the strip shows it).
 * @returns The template.
 */
export function renderStatus(ctx: StatusContext): TemplateResult {
  const { download } = ctx;
  const downloading = download !== null && download.loaded < download.total;
  return html`
    <div part="status">
      <span class="visually-hidden" role="status">${ctx.announcement}</span>
      <span class="visually-hidden" role="alert">${ctx.alert}</span>
      ${renderBackend(ctx)}
      ${ctx.marks ? html`<span part="marks">${ctx.marks}</span>` : nothing}
      ${downloading
        ? html`<label>Downloading the image generator… <progress max=${download.total} value=${download.loaded}></progress>
            ${amountOf(download.loaded, download.total)}</label>`
        : nothing}
      ${!ctx.backend && !ctx.failed && !downloading ? html`<span>Loading model…</span>` : nothing}
      ${ctx.missing
        ? html`<span part="cancelled">Cancelled: ${ctx.missing.done} of ${ctx.missing.total} images rendered
            <button part="button render-rest" @click=${ctx.missing.onRenderRest}>${
          ctx.missing.done ? "Render the rest" : "Render them"
        }</button></span>`
        : nothing}
      ${renderNotice(ctx.notice)}
      ${ctx.savedElsewhere
        ? html`<span part="saved-elsewhere">Open in another tab, which saves it: changes here are not saved
            <button part="button use-here" @click=${ctx.onUseHere}>Use here</button></span>`
        : nothing}
      ${ctx.serverRetry ? html`<span part="server-retry">${retryText(ctx.serverRetry)}</span>` : nothing}
    </div>
  `;
}

/**
 * The errors shown, one per line, with a button that tries again when what failed can be tried again
 * (a render, the model's start), or one that dismisses them, and the developer's message behind an
 * error worded for people, folded under "Details". Not a live region: the status's alert tells them
 * (see {@link StatusContext.alert}).
 *
 * @param messages The errors.
 * @param onRetry Tries again, or `null` when there is nothing to retry.
 * @param onDismiss Hides these errors, or leave out when they stay.
 * @param details The developer's message, or `""`.
 * @returns The template, or nothing without errors.
 */
export function renderErrors(
  messages: string[],
  onRetry: (() => void) | null,
  onDismiss?: () => void,
  details = "",
): TemplateResult | typeof nothing {
  if (!messages.length) return nothing;
  // One space before a button and no other whitespace: the messages keep their line breaks (pre-wrap).
  // deno-fmt-ignore
  const retry = onRetry ? html` <button part="button retry" @click=${onRetry}>Try again</button>` : nothing;
  // deno-fmt-ignore
  const dismiss = onDismiss ? html` <button part="button dismiss" @click=${onDismiss}>Dismiss</button>` : nothing;
  // deno-fmt-ignore
  const more = details ? html`<details part="error-details"><summary>Details</summary>${details}</details>` : nothing;
  return html`<div part="error">${messages.join("\n")}${retry}${dismiss}${more}</div>`;
}
