// dist/vue.d.ts, as a Vue project gets it from `import type {} from "latent-evolver/vue"`: the tag's
// entry in Vue's GlobalComponents, which vue-tsc and Volar check templates against. Its instance is
// the element (what a template ref holds), its `$props` type the attributes (`:population="8"`),
// its `$emit` the events (`@le-generation-end`). TypeScript checks a file that uses them, right and
// wrong, against the built types (types-project.ts: bundler and node10 resolution).
import assert from "node:assert/strict";
import { checkTypes, readPackage } from "./types-project.ts";

Deno.test("the built vue.d.ts types the tag in Vue's GlobalComponents: props, events and template ref, with bundler and node10 resolution", async () => {
  const pkg = await readPackage();
  assert.deepEqual(pkg.exports["./vue"], { types: "./dist/vue.d.ts" });
  assert.deepEqual(pkg.typesVersions["*"].vue, ["./dist/vue.d.ts"]);
  await checkTypes({
    "app.ts": `import type {} from "latent-evolver/vue";
import type { GlobalComponents } from "vue";
import type { BackendEvent, GenerationEndEvent, LatentEvolverElement } from "latent-evolver";

type Evolver = InstanceType<GlobalComponents["latent-evolver"]>;
type Props = Evolver["$props"];
export const ok: Props = {
  prompt: "a misty fjord",
  population: 8,
  seed: "7",
  backend: "wasm",
  "storage-key": "none",
  "server-token": "t0ken",
  "mutation-strength": "1.5",
  radius: 0.2,
  columns: 4,
  marking: true,
  class: "evolver",
  key: "a",
};
// Vue's template type checking gives a component's kebab-case attributes by their camelCase names.
export const camelCase: Props = { serverToken: "t0ken", storageKey: "none", mutationStrength: 2 };
// @ts-expect-error: a token is text
export const badToken: Props = { serverToken: 42 };
// @ts-expect-error: not a backend
export const badBackend: Props = { backend: "gpu" };
// @ts-expect-error: a population is a number or its text
export const badPopulation: Props = { population: { n: 8 } };
// @ts-expect-error: marking is on or off
export const badMarking: Props = { marking: "yes" };

declare const evolver: Evolver;
declare const end: GenerationEndEvent;
declare const backend: BackendEvent;
// A template ref to the tag holds the element.
export const element: LatentEvolverElement = evolver;
// What \`@le-generation-end\` and \`@le-backend\` handlers get.
evolver.$emit("le-generation-end", end);
evolver.$emit("le-backend", backend);
// @ts-expect-error: le-generation-end comes with a GenerationEndEvent
evolver.$emit("le-generation-end", backend);
// @ts-expect-error: the element fires no such event
evolver.$emit("le-generation-done", end);
`,
  });
});
