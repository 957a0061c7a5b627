// dist/svelte.d.ts, as a Svelte project gets it from `import type {} from "latent-evolver/svelte"`:
// the tag's entry in svelte/elements' SvelteHTMLElements, which svelte-check and the Svelte language
// server check markup against: its attributes, and its events as Svelte 5 binds them (`on` + the
// event's name) and Svelte 4 (`on:` + the name). TypeScript checks a file that uses it, right and
// wrong, against the built types (types-project.ts: bundler and node10 resolution).
import assert from "node:assert/strict";
import { checkTypes, readPackage } from "./types-project.ts";

Deno.test("the built svelte.d.ts types the tag in Svelte's SvelteHTMLElements: attributes and events, with bundler and node10 resolution", async () => {
  const pkg = await readPackage();
  assert.deepEqual(pkg.exports["./svelte"], { types: "./dist/svelte.d.ts" });
  assert.deepEqual(pkg.typesVersions["*"].svelte, ["./dist/svelte.d.ts"]);
  await checkTypes({
    "app.ts": `import type {} from "latent-evolver/svelte";
import type { SvelteHTMLElements } from "svelte/elements";

type Attributes = SvelteHTMLElements["latent-evolver"];
export const ok: Attributes = {
  prompt: "a misty fjord",
  population: 8,
  seed: "7",
  backend: "wasm",
  "storage-key": "none",
  serverToken: "t0ken",
  "mutation-strength": 1.5,
  marking: true,
  class: "evolver",
  "onle-generation-end": (e) => console.log(e.detail.generation, e.detail.done, e.currentTarget.prompt),
  "onle-error": (e) => console.log(e.detail.message),
  "on:le-backend": (e) => console.log(e.detail.backend),
  onclick: (e) => console.log(e.clientX),
};
// @ts-expect-error: a token is text
export const badToken: Attributes = { "server-token": 42 };
// @ts-expect-error: not a backend
export const badBackend: Attributes = { backend: "gpu" };
// @ts-expect-error: a population is a number or its text
export const badPopulation: Attributes = { population: { n: 8 } };
// @ts-expect-error: the end event has no \`detail.message\`
export const badEvent: Attributes = { "onle-generation-end": (e) => e.detail.message };
// @ts-expect-error: nor has Svelte 4's
export const badLegacyEvent: Attributes = { "on:le-generation-end": (e) => e.detail.message };
`,
  });
});
