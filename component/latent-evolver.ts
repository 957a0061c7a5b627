/**
 * Registers `<latent-evolver>`. Import this module (or load the built `dist/latent-evolver.js` with
 * `<script type="module">`) to use the tag; import `latent-evolver.component.ts` for the class alone.
 *
 * @example
 * ```ts
 * import "./latent-evolver.ts";
 * document.body.append(Object.assign(document.createElement("latent-evolver"), { prompt: "a red fox" }));
 * ```
 *
 * @module
 */

import "./browser-only.ts";
import { LatentEvolverElement } from "./latent-evolver.component.ts";

export { LatentEvolverElement };
export * from "./events.ts";
export type { BackendName, BackendPreference, LineageView } from "./worker/protocol.ts";
export { type Genome, genomeKeyword, readGenome } from "./png.ts";

if (!customElements.get("latent-evolver")) customElements.define("latent-evolver", LatentEvolverElement);

declare global {
  interface HTMLElementTagNameMap {
    "latent-evolver": LatentEvolverElement;
  }
}
