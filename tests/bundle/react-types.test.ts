// dist/react.d.ts, as a React project gets it from `import type {} from "latent-evolver/react"`:
// TypeScript checks a small TSX file that uses the tag, right and wrong, against the built types
// (types-project.ts: bundler and node10 resolution); and the README's React snippet, as a TypeScript
// app copies it.
import assert from "node:assert/strict";
import { checkTypes, readPackage, readReadme } from "./types-project.ts";

Deno.test("the built react.d.ts types the tag in React's JSX, with bundler and node10 resolution; so does the README's snippet", async () => {
  const pkg = await readPackage();
  assert.deepEqual(pkg.exports["./react"], { types: "./dist/react.d.ts" });
  assert.deepEqual(pkg.typesVersions["*"].react, ["./dist/react.d.ts"]);
  const snippet = /^```tsx\n([^]*?)^```$/m.exec(await readReadme())?.[1];
  assert.ok(snippet, "the README has no ```tsx snippet");
  await checkTypes({
    "app.tsx": `import type {} from "latent-evolver/react";
import { LatentEvolverElement } from "latent-evolver";
export const ok = (
  <latent-evolver
    prompt="a misty fjord"
    population={8}
    seed="7"
    backend="wasm"
    storage-key="none"
    server-token="t0ken"
    onle-generation-end={(e) => console.log(e.detail.generation, e.detail.done)}
    onle-error={(e) => console.log(e.detail.message)}
  />
);
export const properties = <latent-evolver serverToken="t0ken" storageKey="none" mutationStrength={2} />;
export const marking = <latent-evolver marking />;
// @ts-expect-error: a token is text
export const badToken = <latent-evolver server-token={42} />;
// @ts-expect-error: not a backend
export const badBackend = <latent-evolver backend="gpu" />;
// @ts-expect-error: a population is a number or its text
export const badPopulation = <latent-evolver population={{ n: 8 }} />;
// @ts-expect-error: the end event has no \`detail.message\`
export const badEvent = <latent-evolver onle-generation-end={(e) => e.detail.message} />;
export const assetBase: string = LatentEvolverElement.assetBase;
document.addEventListener("le-generation-end", (e) => console.log(e.detail.generation));
`,
    "readme.tsx": snippet,
  }, ["--jsx", "react-jsx"]);
});
