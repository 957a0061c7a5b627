/**
 * How the next generation is bred, as the person sets it in the toolbar: whether marked regions are
 * changed or kept, the mutation strength and the region radius. The sliders start from the
 * `mutation-strength` and `radius` attributes, and the whole goes to storage with the UI state.
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
    if (changed("mutationStrength")) this.strength = controls.strength;
    if (changed("radius")) this.radius = controls.radius;
    this.columns = controls.columns;
    this.problems = controls.problems;
    return controls.problems.filter((p) => changed(PROPERTY_OF[p.attribute as keyof typeof PROPERTY_OF]));
  }

  /** Takes stored settings. @param values The settings. */
  restore(values: EvolveValues): void {
    this.mode = values.mode;
    this.strength = values.strength;
    this.radius = values.radius;
  }

  /** @returns The settings as plain data. */
  values(): EvolveValues {
    return { mode: this.mode, strength: this.strength, radius: this.radius };
  }
}
