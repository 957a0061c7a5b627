// The built bundle imported where frameworks render on the server (no DOM): a message that says to
// import the element on the client, not lit's bare "HTMLElement is not defined".
import assert from "node:assert/strict";

Deno.test("the bundle imported outside a browser says to import it on the client", async () => {
  const bundle = new URL("../../dist/latent-evolver.js", import.meta.url);
  await assert.rejects(import(bundle.href), (e: Error) => {
    assert.match(e.message, /^latent-evolver runs in the browser/);
    assert.match(e.message, /import it on the client only/);
    return true;
  });
});
