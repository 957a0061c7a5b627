/**
 * Styles of what keeps Evolve and the marking state in reach (in-reach.render.ts): the Mark points
 * toggle, the strip pinned to the window's bottom on a phone (with the notice in it), and the hint's
 * line over the grid. Apart from latent-evolver.styles.ts, which holds the rest and the custom
 * properties they use.
 *
 * @module
 */

import { css } from "lit";

/** The styles, in the element's shadow root after latent-evolver.styles.ts's. */
export const inReachStyles = css`
  /*
  * Marking on looks unlike the primary Evolve: outlined in the accent, with a check (not read out)
  * in a badge on its corner. Its size does not change, nor anything beside it.
  */
  [part~="mark"] {
    position: relative;
  }
  [part~="mark"][aria-pressed="true"] {
    border-color: var(--le-accent);
    box-shadow: inset 0 0 0 1px var(--le-accent);
    color: var(--le-accent);
  }
  [part~="mark"][aria-pressed="true"]::before {
    content: "✓" / "";
    position: absolute;
    top: -0.45rem;
    inset-inline-end: -0.45rem;
    width: 1rem;
    height: 1rem;
    border-radius: 50%;
    background: var(--le-accent);
    color: var(--le-on-accent);
    font-size: 0.7rem;
    font-weight: 700;
    line-height: 1rem;
    text-align: center;
    box-shadow: 0 0 0 2px var(--le-surface);
  }
  /*
  * The strip's Evolve, counts and marking state (in-reach.render.ts): one line whatever the text,
  * the counts cut short first, so that the strip is always as tall.
  */
  [part~="footer-bar"] {
    display: flex;
    gap: var(--le-gap);
    align-items: center;
    padding-block: calc(var(--le-gap) / 2);
    white-space: nowrap;
  }
  [part~="footer-bar"] button {
    flex: none;
  }
  [part~="footer-marks"],
  [part~="footer-marking"],
  [part~="marking-hint"] {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  [part~="footer-marks"] {
    flex: 1 1 0;
    color: var(--le-muted);
  }
  [part~="footer-marking"],
  [part~="marking-hint"] {
    color: var(--le-text);
    border-inline-start: 3px solid var(--le-accent);
    padding-inline-start: 0.4rem;
  }
  /* The notice in the strip (a phone), on its own line over the bar, as the errors are. */
  .strip [part~="notice"] {
    display: block;
    margin-block: calc(var(--le-gap) / 2);
  }
  /* The hint's line is there while not marking too, so the grid does not move when marking starts. */
  .hint-line {
    min-height: 1.4em;
    margin-block-end: calc(var(--le-gap) / 2);
  }
  [part~="marking-hint"] {
    margin: 0;
  }
`;
