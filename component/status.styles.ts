/**
 * Styles of `<latent-evolver>`'s status line and error boxes (status.render.ts): the notices, the
 * backend or a render's progress in one place of one width, and the errors. Apart from
 * latent-evolver.styles.ts, which holds the rest and the custom properties they use.
 *
 * @module
 */

import { css } from "lit";

/** The styles, in the element's shadow root after latent-evolver.styles.ts's. */
export const statusStyles = css`
  [part~="status"] {
    display: flex;
    gap: var(--le-gap);
    flex-wrap: wrap;
    align-items: center;
    color: var(--le-muted);
    min-height: 1.5rem;
  }
  [part~="saved-elsewhere"],
  [part~="cancelled"],
  [part~="notice"] {
    color: var(--le-text);
    border-inline-start: 3px solid var(--le-accent);
    padding-inline-start: 0.4rem;
  }
  progress {
    accent-color: var(--le-accent);
  }
  /* The backend, or in its place a render's progress, of a fixed width (status.render.ts). */
  .backend-progress {
    display: inline-grid;
  }
  .backend-progress > * {
    grid-area: 1 / 1;
  }
  /* A flex row: the progress bar takes what the label and the count leave of the fixed width. */
  .backend-progress > .images {
    width: 16em;
    display: flex;
    align-items: center;
    white-space: nowrap;
  }
  .backend-progress > .unseen {
    visibility: hidden;
  }
  .backend-progress progress {
    flex: 1 1 auto;
    min-width: 0;
  }
  .backend-progress .count {
    font-variant-numeric: tabular-nums;
  }
  [part~="error"] {
    color: var(--le-error);
    border: 1px solid currentColor;
    border-radius: calc(var(--le-radius) / 2);
    padding: 0.4rem 0.6rem;
    margin-block: calc(var(--le-gap) / 2);
    white-space: pre-wrap;
    /* A long error (every backend's failure) scrolls rather than covering the grid. */
    max-height: 7.5em;
    overflow-y: auto;
  }
  [part~="error-details"] {
    font-size: 0.85em;
  }
  [part~="error-details"] > summary {
    cursor: pointer;
    width: fit-content;
  }
`;
