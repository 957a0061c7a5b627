/**
 * TypeScript types for `<latent-evolver>` in Svelte's markup (svelte-check, the Svelte language
 * server): `import type {} from "latent-evolver/svelte";` once in a Svelte project, and the tag's
 * attributes and its events are checked: Svelte 5 listens with `on` + the event's name
 * (`onle-generation-end={...}`), Svelte 4 with `on:le-generation-end={...}`. Types only: nothing of
 * Svelte is bundled.
 *
 * @module
 */

import type { HTMLAttributes } from "svelte/elements";
import type { LatentEvolverElement } from "./latent-evolver.component.ts";
import type { LatentEvolverBindings } from "./attributes.ts";
import type { LatentEvolverEventMap } from "./events.ts";

/** A handler of one of the element's events, as Svelte types an element's: `currentTarget` is the element. */
type Handler<E extends Event> = (event: E & { currentTarget: EventTarget & LatentEvolverElement }) => void;

/** The element's attributes and events as Svelte's markup takes them; the numeric ones take numbers or text. */
export type LatentEvolverSvelteAttributes =
  & HTMLAttributes<LatentEvolverElement>
  & LatentEvolverBindings
  & {
    [K in keyof LatentEvolverEventMap as `on${K}` | `on:${K}`]?:
      | Handler<LatentEvolverEventMap[K]>
      | undefined
      | null;
  };

declare module "svelte/elements" {
  interface SvelteHTMLElements {
    "latent-evolver": LatentEvolverSvelteAttributes;
  }
}
