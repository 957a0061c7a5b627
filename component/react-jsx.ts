/**
 * TypeScript types for `<latent-evolver>` in React 19's JSX: `import type {} from "latent-evolver/react";`
 * once in a React project, and the tag, its attributes and its events (as React 19 binds them on
 * custom elements, `on` + the event's name) are checked. Types only: nothing of React is bundled.
 *
 * @module
 */

import type { DetailedHTMLProps, HTMLAttributes } from "react";
import type { LatentEvolverElement } from "./latent-evolver.component.ts";
import type {
  BackendEvent,
  GenerationEndEvent,
  GenerationProgressEvent,
  GenerationStartEvent,
  LatentEvolverErrorEvent,
  PromptChangeEvent,
  SelectionChangeEvent,
} from "./events.ts";
import type { BackendPreference } from "./worker/protocol.ts";

/** The element's attributes and events as React props; the numeric ones take numbers or text. */
export type LatentEvolverProps =
  & DetailedHTMLProps<HTMLAttributes<LatentEvolverElement>, LatentEvolverElement>
  & {
    prompt?: string;
    model?: string;
    server?: string;
    /** The server's bearer token; React 19 sets it as the `serverToken` property when given so. */
    "server-token"?: string;
    serverToken?: string;
    backend?: BackendPreference;
    population?: number | string;
    seed?: number | string;
    columns?: number | string;
    "mutation-strength"?: number | string;
    radius?: number | string;
    "storage-key"?: string;
    /** Clicks mark points instead of selecting. */
    marking?: boolean;
    "onle-selection-change"?: (event: SelectionChangeEvent) => void;
    "onle-prompt-change"?: (event: PromptChangeEvent) => void;
    "onle-generation-start"?: (event: GenerationStartEvent) => void;
    "onle-generation-progress"?: (event: GenerationProgressEvent) => void;
    "onle-generation-end"?: (event: GenerationEndEvent) => void;
    "onle-backend"?: (event: BackendEvent) => void;
    "onle-error"?: (event: LatentEvolverErrorEvent) => void;
  };

declare module "react" {
  namespace JSX {
    interface IntrinsicElements {
      "latent-evolver": LatentEvolverProps;
    }
  }
}
