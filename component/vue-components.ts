/**
 * TypeScript types for `<latent-evolver>` in Vue 3.5's templates (vue-tsc, Volar):
 * `import type {} from "latent-evolver/vue";` once in a Vue project, and the tag's attributes
 * (`:population="8"`), its events (`@le-generation-end`, with the event's class) and a template ref
 * to it are checked. This is Vue's documented way for custom elements not built with Vue: an entry
 * of `GlobalComponents` whose instance is the element, with `$props` and `$emit` for the templates.
 * Types only: nothing of Vue is bundled. Vue's compiler still needs `isCustomElement` for the tag.
 *
 * @module
 */

import type { EmitFn, HTMLAttributes, PublicProps } from "vue";
import type { LatentEvolverElement } from "./latent-evolver.component.ts";
import type { LatentEvolverBindings } from "./attributes.ts";
import type { LatentEvolverEventMap } from "./events.ts";

/**
 * `<latent-evolver>` as Vue's templates see it: the element (what a template ref holds), with the
 * attributes as its props and the events as what it emits. `$props` and `$emit` are for the types
 * only; the element has neither.
 */
export type LatentEvolverComponent = new () => LatentEvolverElement & {
  /** @deprecated Not on the element: the attributes' types, for Vue's templates only. */
  $props: HTMLAttributes & LatentEvolverBindings & PublicProps;
  /** @deprecated Not on the element: the events' types, for Vue's templates only. */
  $emit: EmitFn<{ [K in keyof LatentEvolverEventMap]: (event: LatentEvolverEventMap[K]) => void }>;
};

declare module "vue" {
  interface GlobalComponents {
    "latent-evolver": LatentEvolverComponent;
  }
}
