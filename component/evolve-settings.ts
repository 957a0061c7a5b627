/**
 * How the next generation is bred, as the person sets it in the toolbar: whether marked regions are
 * changed or kept, the mutation strength and the region radius. The sliders start from the
 * `mutation-strength` and `radius` attributes, and the whole goes to storage with the UI state.
 *
 * A generation that was answered already shows the settings of its answer (as it shows that
 * answer's selection and points), so that Evolve from it with them goes forward to what it made.
 * The person's own settings, those of the generation not yet answered, are kept meanwhile and come
 * back with it; a change made on an answered generation is for an Evolve from there only.
 *
 * @module
 */

import { type AttributeProblem, readControls } from "./attributes.ts";
import type { UiState } from "./ui-state.ts";

/** The element property behind each slider and layout attribute. */
const PROPERTY_OF = {
  "mutation-strength": "mutationStrength",
  radius: "radius",
  columns: "columns",
} as const;
type ControlProperty = (typeof PROPERTY_OF)[keyof typeof PROPERTY_OF];

/** The settings, as stored and as evolve takes them. */
export type EvolveValues = Pick<UiState, "mode" | "strength" | "radius">;

/** The settings a generation's answer gave (see `GenerationView.answer`), or `undefined` for none. */
export type AnswerValues = Partial<EvolveValues> | undefined;

/** Mode, strength and radius. */
export class EvolveSettings {
  /** Change or keep the marked regions. */
  mode: "change" | "keep" = "change";
  /** Mutation strength. */
  strength = 1;
  /** Region radius, normalised. */
  radius = 0.15;
  /** Grid columns from the `columns` attribute, 0 for as many as fit (also for a rejected value). */
  columns = 0;
  /** The slider attributes rejected at the latest {@link read}. */
  problems: AttributeProblem[] = [];
  /** The person's own settings while an answered generation's are shown (see {@link show}), else `null`. */
  #own: EvolveValues | null = null;

  /**
   * Takes the slider attributes; a rejected value falls back to its default and is listed.
   *
   * @param a `mutation-strength`, `radius` and `columns`.
   * @param changed Whether an attribute (by property name) changed, default all: only those sliders
   * take their attribute's value (a change of one must not reset the other, which the person may
   * have moved), and only their bad values are returned (each is reported once).
   * @returns The problems of the changed attributes.
   * @example
   * ```ts
   * import { EvolveSettings } from "./evolve-settings.ts";
   * const settings = new EvolveSettings();
   * settings.read({ radius: "0.3" });
   * settings.radius; // 0.3
   * ```
   */
  read(
    a: Parameters<typeof readControls>[0],
    changed: (property: ControlProperty) => boolean = () => true,
  ): AttributeProblem[] {
    const controls = readControls(a);
    // The page's values are the person's own, not those of an answer shown.
    const own = this.#own ?? this;
    if (changed("mutationStrength")) own.strength = controls.strength;
    if (changed("radius")) own.radius = controls.radius;
    this.columns = controls.columns;
    this.problems = controls.problems;
    return controls.problems.filter((p) => changed(PROPERTY_OF[p.attribute as keyof typeof PROPERTY_OF]));
  }

  /**
   * Sets the settings shown (the toolbar's change): on an answered generation, for an Evolve from
   * it only. @param values The settings.
   */
  restore(values: EvolveValues): void {
    this.mode = values.mode;
    this.strength = values.strength;
    this.radius = values.radius;
  }

  /**
   * Takes the person's own settings (stored ones, or those of generations brought back), shown as
   * for a generation not yet answered; {@link show} then gives the generation shown its own.
   *
   * @param values The settings.
   */
  reset(values: EvolveValues): void {
    this.#own = null;
    this.restore(values);
  }

  /**
   * Shows the settings for a generation: those of its answer, or without one the person's own.
   *
   * @param answer The settings of the generation's answer (`GenerationView.answer`), or `undefined`.
   * @example
   * ```ts
   * import { EvolveSettings } from "./evolve-settings.ts";
   * const settings = new EvolveSettings();
   * settings.show({ mode: "keep", strength: 0.5, radius: 0.2 });
   * settings.strength; // 0.5
   * settings.show(undefined);
   * settings.strength; // 1
   * ```
   */
  show(answer: AnswerValues): void {
    if (answer) {
      this.#own ??= this.values();
      this.restore({ ...this.#own, ...answer });
    } else if (this.#own) this.reset(this.#own);
  }

  /**
   * The settings shown become the person's own: an Evolve made a new generation, not yet answered,
   * with them.
   */
  keep(): void {
    this.#own = null;
  }

  /** @returns The settings shown, as plain data: what an Evolve sends. */
  values(): EvolveValues {
    return { mode: this.mode, strength: this.strength, radius: this.radius };
  }

  /** @returns The person's own settings, as plain data: what is stored. */
  own(): EvolveValues {
    return this.#own ? { ...this.#own } : this.values();
  }
}
