// dist/react.d.ts, as a React project gets it from `import type {} from "latent-evolver/react"`:
// TypeScript checks a small TSX file that uses the tag, right and wrong, against the built types, in
// a project that has the package in its node_modules, under the resolution of bundlers (through
// package.json "exports") and under the older "node" (node10, which reads "typesVersions" instead);
// and the README's React snippet, as a TypeScript app copies it.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

Deno.test("the built react.d.ts types the tag in React's JSX, with bundler and node10 resolution; so does the README's snippet", async () => {
  const pkg = JSON.parse(await Deno.readTextFile(new URL("package.json", root)));
  assert.equal(pkg.exports["./react"]?.types, "./dist/react.d.ts");
  // Inside the repository, so that react's types resolve from its node_modules as in a project;
  // node_modules/latent-evolver is a link to the repository, as `npm install ../latent-evolver` makes.
  const project = new URL(`tests/bundle/.react-types-${crypto.randomUUID()}/`, root);
  const installed = new URL("node_modules/latent-evolver", project);
  await Deno.mkdir(new URL("node_modules/", project), { recursive: true });
  await Deno.symlink(fileURLToPath(root), fileURLToPath(installed));
  const file = new URL("app.tsx", project);
  const readme = await Deno.readTextFile(new URL("README.md", root));
  const snippet = /^```tsx\n([^]*?)^```$/m.exec(readme)?.[1];
  assert.ok(snippet, "the README has no ```tsx snippet");
  const readmeFile = new URL("readme.tsx", project);
  await Deno.writeTextFile(readmeFile, snippet);
  await Deno.writeTextFile(
    file,
    `import type {} from "latent-evolver/react";
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
export const tokenProperty = <latent-evolver serverToken="t0ken" />;
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
  );
  try {
    const tsc = fileURLToPath(new URL("node_modules/typescript/bin/tsc", root));
    for (const resolution of ["bundler", "node10"]) {
      const options =
        `--noEmit --strict --skipLibCheck --jsx react-jsx --module esnext --moduleResolution ${resolution}`;
      const out = await new Deno.Command("node", {
        args: [
          tsc,
          ...options.split(" "),
          "--target",
          "es2022",
          "--lib",
          "es2022,dom",
          ...[file, readmeFile].map((f) => fileURLToPath(f)),
        ],
        cwd: fileURLToPath(project),
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, `moduleResolution ${resolution}:\n${text}`);
    }
  } finally {
    await Deno.remove(installed); // the link alone, before the folder
    await Deno.remove(project, { recursive: true });
  }
});
