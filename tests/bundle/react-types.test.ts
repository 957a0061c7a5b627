// dist/react.d.ts, as a React project gets it from `import type {} from "latent-evolver/react"`:
// TypeScript (the project's bundler resolution, through package.json "exports") checks a small TSX
// file that uses the tag, right and wrong, against the built types.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

Deno.test("the built react.d.ts types the tag in React's JSX", async () => {
  const pkg = JSON.parse(await Deno.readTextFile(new URL("package.json", root)));
  assert.equal(pkg.exports["./react"]?.types, "./dist/react.d.ts");
  // Inside the repository, so that react's types resolve from node_modules as in a project.
  const file = new URL(`tests/bundle/.react-types-${crypto.randomUUID()}.tsx`, root);
  await Deno.writeTextFile(
    file,
    `import type {} from "latent-evolver/react";
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
`,
  );
  try {
    const tsc = fileURLToPath(new URL("node_modules/typescript/bin/tsc", root));
    const options =
      "--noEmit --strict --skipLibCheck --jsx react-jsx --module esnext --moduleResolution bundler";
    const out = await new Deno.Command("node", {
      args: [tsc, ...options.split(" "), "--target", "es2022", "--lib", "es2022,dom", fileURLToPath(file)],
      cwd: fileURLToPath(root),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, text);
  } finally {
    await Deno.remove(file);
  }
});
