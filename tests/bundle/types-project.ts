// The setup the typings tests share (react-types, vue-types, svelte-types): TypeScript checks small
// files that use the package's built types, right and wrong, in a project that has the package in
// its node_modules, under the resolution of bundlers (through package.json "exports") and under the
// older "node" (node10, which reads "typesVersions" instead).
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url);

/** The repository's package.json. */
export async function readPackage(): Promise<
  { exports: Record<string, unknown>; typesVersions: Record<string, Record<string, string[]>> }
> {
  return JSON.parse(await Deno.readTextFile(new URL("package.json", root)));
}

/** The README's text. */
export function readReadme(): Promise<string> {
  return Deno.readTextFile(new URL("README.md", root));
}

/**
 * Writes `files` (name to source) into a new project and runs tsc on them, strict, once with
 * `--moduleResolution bundler` and once with `node10`; fails with tsc's output unless both pass.
 *
 * @param files The files to check, by name in the project.
 * @param options More tsc options (`--jsx react-jsx` for .tsx files).
 */
export async function checkTypes(files: Record<string, string>, options: string[] = []): Promise<void> {
  // Inside the repository, so that react's, vue's and svelte's types resolve from its node_modules as
  // in a project; node_modules/latent-evolver is a link to the repository, as `npm install
  // ../latent-evolver` makes.
  const project = new URL(`tests/bundle/.types-${crypto.randomUUID()}/`, root);
  const installed = new URL("node_modules/latent-evolver", project);
  await Deno.mkdir(new URL("node_modules/", project), { recursive: true });
  try {
    await Deno.symlink(fileURLToPath(root), fileURLToPath(installed));
    const paths: string[] = [];
    for (const [name, source] of Object.entries(files)) {
      const file = new URL(name, project);
      await Deno.writeTextFile(file, source);
      paths.push(fileURLToPath(file));
    }
    const tsc = fileURLToPath(new URL("node_modules/typescript/bin/tsc", root));
    for (const resolution of ["bundler", "node10"]) {
      const out = await new Deno.Command("node", {
        args: [
          tsc,
          ..."--noEmit --strict --skipLibCheck --module esnext --target es2022 --lib es2022,dom".split(" "),
          "--moduleResolution",
          resolution,
          ...options,
          ...paths,
        ],
        cwd: fileURLToPath(project),
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, `moduleResolution ${resolution}:\n${text}`);
    }
  } finally {
    await Deno.remove(installed).catch(() => {}); // the link alone, before the folder
    await Deno.remove(project, { recursive: true });
  }
}
