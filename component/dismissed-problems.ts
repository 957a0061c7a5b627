/**
 * The attribute problems the person dismissed (the error box's Dismiss button). A problem names the
 * attribute and its value, so one dismissed stays hidden while that value stays (over worker restarts
 * and other attributes' changes), and shows again once the attribute is set wrong again.
 *
 * @module
 */

import type { AttributeProblem } from "./attributes.ts";

/**
 * Hides the attribute problems dismissed.
 *
 * @example
 * ```ts
 * import { DismissedProblems } from "./dismissed-problems.ts";
 * const dismissed = new DismissedProblems();
 * const problems = [{ attribute: "population", message: 'population must be ..., got "abc"' }];
 * dismissed.dismiss(problems);
 * dismissed.shown(problems); // []
 * dismissed.shown([]); // [] (and "abc" is forgotten: set again, it shows)
 * ```
 */
export class DismissedProblems {
  /** The messages dismissed, each naming its attribute and value. */
  #messages = new Set<string>();

  /**
   * The problems not dismissed. A dismissed one no longer reported is forgotten: the attribute was
   * set right (or to another wrong value), so when it is set to that value again, it shows again.
   *
   * @param problems The attribute problems reported now.
   * @returns Those to show.
   */
  shown(problems: AttributeProblem[]): AttributeProblem[] {
    const reported = new Set(problems.map((p) => p.message));
    for (const message of this.#messages) if (!reported.has(message)) this.#messages.delete(message);
    return problems.filter((p) => !this.#messages.has(p.message));
  }

  /** Hides problems until they are reported again after a change. @param problems Those shown. */
  dismiss(problems: AttributeProblem[]): void {
    for (const p of problems) this.#messages.add(p.message);
  }
}
