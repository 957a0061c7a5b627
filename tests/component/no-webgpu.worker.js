// A worker module that starts as the element's does, in a browser without WebGPU: navigator.gpu is
// removed from the worker's navigator, as backends.test.ts removes it from the page's
// (tests/component/errors.test.ts).
Object.defineProperty(WorkerNavigator.prototype, "gpu", { configurable: true, get: () => undefined });
await import("/dist/latent-evolver.worker.js");
