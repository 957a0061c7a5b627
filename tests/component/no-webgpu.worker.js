// A worker module that starts as the element's does, in a browser without WebGPU: navigator.gpu is
// removed from the worker's navigator, as backends.test.ts removes it from the page's
// (tests/component/errors.test.ts). With ?adapter=none, WebGPU is there but gives no adapter, as
// while the GPU's process restarts after a crash.
const noAdapter = new URL(import.meta.url).searchParams.get("adapter") === "none";
const gpu = noAdapter ? { requestAdapter: () => Promise.resolve(null) } : undefined;
Object.defineProperty(WorkerNavigator.prototype, "gpu", { configurable: true, get: () => gpu });
await import("/dist/latent-evolver.worker.js");
