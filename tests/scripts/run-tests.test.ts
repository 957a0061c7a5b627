// scripts/run-tests.mjs, the README's test command: a mistyped part must not pass by running nothing.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

Deno.test("npm test -- <unknown part> exits 2 naming the parts, before running anything", async () => {
  const out = await new Deno.Command("node", {
    args: ["scripts/run-tests.mjs", "lint"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 2, text);
  assert.match(text, /Unknown part lint: expected static, deno, browser/);
  assert.doesNotMatch(text, /passed/);
});
