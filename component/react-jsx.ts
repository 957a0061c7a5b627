/**
 * TypeScript types for `<latent-evolver>` in React 19's JSX: `import type {} from "latent-evolver/react";`
 * once in a React project, and the tag, its attributes and its events (as React 19 binds them on
 * custom elements, `on` + the event's name) are checked. Types only: nothing of React is bundled.
 *
 * @module
 */

import type { DetailedHTMLProps, HTMLAttributes } from "react";
import type { LatentEvolverElement } from "./latent-evolver.component.ts";
import type { LatentEvolverBindings } from "./attributes.ts";
import type { LatentEvolverEventMap } from "./events.ts";

/**
 * The element's attributes and events as React props; the numeric ones take numbers or text. The
 * kebab-case attributes are also taken by their property names (`serverToken`), which React 19 sets
 * as properties.
 */
export type LatentEvolverProps =
  & DetailedHTMLProps<HTMLAttributes<LatentEvolverElement>, LatentEvolverElement>
  & LatentEvolverBindings
  & { [K in keyof LatentEvolverEventMap as `on${K}`]?: (event: LatentEvolverEventMap[K]) => void };

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "latent-evolver": LatentEvolverProps;
    }
  }
}
