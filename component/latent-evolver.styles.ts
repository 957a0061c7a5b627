/**
 * `<latent-evolver>`'s styles. Colours follow the page's `color-scheme` through `light-dark()`
 * with system colours, so the element stays readable on light and dark pages; every size and the
 * accent are custom properties with defaults on `:host`.
 *
 * @module
 */

import { css, type CSSResult } from "lit";
import { inReachStyles } from "./in-reach.styles.ts";
import { statusStyles } from "./status.styles.ts";

/** The element's own shadow-root styles, apart from those of the status and the controls kept in reach. */
const base = css`
  :host {
    --le-gap: 0.5rem;
    --le-tile-size: 160px;
    --le-accent: light-dark(#0b57d0, #8ab4f8);
    --le-radius: 8px;
    --le-surface: light-dark(#ffffff, #1f1f1f);
    --le-text: light-dark(#1f1f1f, #e8e8e8);
    --le-muted: light-dark(#4a4a4a, #c4c4c4);
    --le-border: light-dark(#c4c4c4, #5c5c5c);
    --le-error: light-dark(#b3261e, #f2b8b5);
    --le-on-accent: light-dark(#ffffff, #002b6b);
    --le-change: #d93025;
    --le-keep: #1e8e3e;
    display: block;
    color: var(--le-text);
    background: var(--le-surface);
    font: 14px/1.4 system-ui, sans-serif;
    border-radius: var(--le-radius);
    padding: var(--le-gap);
  }
  :host([hidden]) {
    display: none;
  }
  /*
  * The toolbar sticks to the top of the window and the footer (history, status, errors) to its
  * bottom while the page scrolls, within the element's box, when component/sticky-controls.ts finds
  * they leave most of the window to the images; where the toolbar does not, the strip (Evolve, the
  * counts, the marking state, errors) sticks to the bottom instead. --le-sticky-top clears a page's
  * sticky header.
  */
  [part~="toolbar"],
  .strip,
  .footer {
    z-index: 2;
    background: var(--le-surface);
  }
  [part~="toolbar"].sticky,
  .strip.sticky,
  .footer.sticky {
    position: sticky;
  }
  /* An image focused by keyboard is scrolled out from under what sticks, with room for its ring. */
  [part~="grid"] button {
    scroll-margin-block: calc(var(--le-covered-top, 0px) + 6px) calc(var(--le-covered-bottom, 0px) + 6px);
  }
  [part~="toolbar"] {
    top: var(--le-sticky-top, 0px);
    display: flex;
    flex-wrap: wrap;
    gap: var(--le-gap);
    align-items: center;
    padding-block: calc(var(--le-gap) / 2);
    margin-block-end: calc(var(--le-gap) / 2);
  }
  .strip,
  .footer {
    bottom: 0;
  }
  .footer {
    padding-block-end: calc(var(--le-gap) / 2);
  }
  [part~="prompt"] {
    flex: 1 1 14rem;
    min-width: 8rem;
    padding: 0.4rem 0.5rem;
    border: 1px solid var(--le-border);
    border-radius: calc(var(--le-radius) / 2);
    background: transparent;
    color: inherit;
    font: inherit;
  }
  button,
  [part~="import"] {
    font: inherit;
    color: inherit;
    background: transparent;
    border: 1px solid var(--le-border);
    border-radius: calc(var(--le-radius) / 2);
    padding: 0.35rem 0.7rem;
    cursor: pointer;
  }
  /* The file input stays in the label (which opens it) but out of sight: the label is the button. */
  [part~="import"] {
    position: relative;
  }
  [part~="import"] input {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    opacity: 0;
    cursor: pointer;
  }
  [part~="import"]:focus-within {
    outline: 3px solid var(--le-accent);
    outline-offset: 2px;
  }
  button:disabled,
  [part~="import"]:has(input:disabled) {
    cursor: not-allowed;
    opacity: 0.55;
  }
  [part~="import"] input:disabled {
    cursor: not-allowed;
  }
  [part~="evolve"],
  [part~="footer-evolve"] {
    background: var(--le-accent);
    border-color: var(--le-accent);
    color: var(--le-on-accent);
  }
  :focus-visible {
    outline: 3px solid var(--le-accent);
    outline-offset: 2px;
  }
  label {
    display: inline-flex;
    gap: 0.3rem;
    align-items: center;
    color: var(--le-muted);
  }
  [part~="grid"] {
    display: grid;
    gap: var(--le-gap);
    /* At least two columns on a narrow screen (a phone), to compare images side by side. */
    grid-template-columns: repeat(
      var(--le-columns, auto-fill),
      minmax(min(var(--le-tile-size), calc((100% - var(--le-gap)) / 2)), 1fr)
    );
  }
  [part~="tile"] {
    border-radius: var(--le-radius);
  }
  .frame {
    position: relative;
    --le-frame-width: 3px;
  }
  /* Over the canvas exactly: the points' percentages are of the image, as the clicks are. */
  .marks {
    position: absolute;
    inset: var(--le-frame-width);
    pointer-events: none;
  }
  [part~="image-button"],
  .placeholder-image {
    display: block;
    width: 100%;
    padding: 0;
    border: var(--le-frame-width) solid transparent;
    border-radius: var(--le-radius);
    overflow: hidden;
    aspect-ratio: 1;
    background: light-dark(#eeeeee, #2c2c2c);
  }
  /* A tile's stand-in while the model loads: an empty image of the same size. */
  .placeholder-image {
    box-sizing: border-box;
  }
  [part~="placeholder"] [part~="lineage"] {
    visibility: hidden;
  }
  [part~="image-button"][aria-pressed="true"] {
    border-color: var(--le-accent);
    background: var(--le-accent);
  }
  /* Selection is not told by colour alone: a check mark in the corner. */
  [part~="image-button"][aria-pressed="true"]::after {
    content: "✓";
    position: absolute;
    top: calc(var(--le-frame-width) + 0.3rem);
    inset-inline-end: calc(var(--le-frame-width) + 0.3rem);
    width: 1.4rem;
    height: 1.4rem;
    border-radius: 50%;
    background: var(--le-accent);
    color: var(--le-on-accent);
    font-weight: 700;
    line-height: 1.4rem;
    box-shadow: 0 0 0 2px var(--le-surface);
  }
  /* Focus looks unlike selection (an accent border): a dashed ring in the text colour, outside it. */
  [part~="image-button"]:focus-visible {
    outline: 3px dashed var(--le-text);
    outline-offset: 3px;
  }
  :host([marking]:not([marking="false"])) [part~="image-button"] {
    cursor: crosshair;
  }
  [part~="image"] {
    display: block;
    width: 100%;
    height: 100%;
  }
  .regions {
    overflow: hidden;
  }
  [part~="region"] {
    position: absolute;
    box-sizing: border-box;
    translate: -50% -50%;
    border: 2px dashed var(--le-change);
    box-shadow: 0 0 0 1px rgb(255 255 255 / 0.6);
  }
  [part~="region"].keep {
    border-color: var(--le-keep);
  }
  [part~="mode"],
  [part~="mode-option"] {
    display: inline-flex;
    align-items: center;
    gap: 0.35rem;
  }
  [part~="mode-option"] {
    cursor: pointer;
  }
  [part~="mode-option"] input {
    margin: 0;
    accent-color: var(--le-accent);
  }
  /* The colour of the points and squares in each mode: the legend of the dots on the images. */
  .swatch {
    width: 0.75rem;
    height: 0.75rem;
    border-radius: 50%;
    border: 2px solid #ffffff;
    box-shadow: 0 0 0 1px #000000;
  }
  .swatch.change {
    background: var(--le-change);
  }
  .swatch.keep {
    background: var(--le-keep);
  }
  .value {
    min-width: 2.5rem;
    font-variant-numeric: tabular-nums;
  }
  /* 24 px at least: a target one can hit with a finger (WCAG 2.5.8). */
  [part~="point"] {
    position: absolute;
    width: max(1.5rem, 24px);
    height: max(1.5rem, 24px);
    padding: 0;
    translate: -50% -50%;
    border-radius: 50%;
    border: 2px solid #ffffff;
    background: var(--le-accent);
    box-shadow: 0 0 0 1px #000000;
    pointer-events: auto;
  }
  [part~="point"].keep {
    background: var(--le-keep);
  }
  [part~="point"].change {
    background: var(--le-change);
  }
  /* Points of an image that is not selected stay, but Evolve does not use them. */
  [part~="point"].idle {
    opacity: 0.5;
  }
  [part~="cursor"] {
    position: absolute;
    width: 1.5rem;
    height: 1.5rem;
    translate: -50% -50%;
    border: 2px dashed #ffffff;
    border-radius: 50%;
    box-shadow: 0 0 0 1px #000000;
    pointer-events: none;
  }
  /* Two lines for every caption, a longer one cut short (whole in its title, and read out whole):
  * every row of the grid is as tall, whatever its captions. */
  [part~="lineage"] {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 0.3rem;
    font-size: 0.8em;
    line-height: 1.4;
    min-height: calc(2 * 1.4em);
    color: var(--le-muted);
    margin-block-start: 0.2rem;
  }
  [part~="lineage"] > span {
    display: -webkit-box;
    -webkit-box-orient: vertical;
    -webkit-line-clamp: 2;
    line-clamp: 2;
    overflow: hidden;
    overflow-wrap: break-word;
  }
  [part~="history"] {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem;
    align-items: center;
    padding-block-start: var(--le-gap);
  }
  .generations-group {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    flex: 0 1 auto;
    min-width: 0;
    max-width: 100%;
  }
  /* Small, so that the strip keeps to two lines on a phone. */
  [part~="generations-label"] {
    color: var(--le-muted);
    font-size: 0.85em;
  }
  /*
  * One line that scrolls sideways: a long history does not make the sticky strip tall. It clips at
  * a line of its own, a gap away from the label, so that a number cut short there ("10" half
  * scrolled away) does not read as part of the label ("Generations0").
  */
  .generations {
    display: flex;
    gap: 0.25rem;
    flex: 0 1 auto;
    min-width: 0;
    max-width: 100%;
    overflow-x: auto;
    scrollbar-width: thin;
    border-inline-start: 1px solid var(--le-border);
    /* Room for the focus ring, which overflow would clip (outside the row only where no label is). */
    padding: 3px;
    margin-block: -3px;
    margin-inline-end: -3px;
  }
  .generations button {
    flex: none;
  }
  [part~="history"] button[aria-current="true"] {
    border-color: var(--le-accent);
    font-weight: 600;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;

/** The element's shadow-root styles. */
export const styles: CSSResult[] = [base, statusStyles, inReachStyles];
