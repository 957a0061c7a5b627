// A worker module that starts as the element's does, then dies at each render, as one whose render
// throws where nothing catches it (tests/component/errors.test.ts). The render's message never
// reaches the engine (the worker then dies before answering), so no render ever finishes.
addEventListener("message", (event) => {
  if (event.data?.type !== "APPLY" || event.data.path?.[0] !== "render") return;
  event.stopImmediatePropagation();
  throw new Error("test: the worker failed while rendering");
});
await import("/dist/latent-evolver.worker.js");
