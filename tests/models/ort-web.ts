/**
 * onnxruntime-web set up for the browser tests under web-test-runner: the bundle carries its wasm glue,
 * so only the .wasm binary is fetched, from the test server's node_modules (a prefix URL would make ort
 * import the separate .mjs glue, which the dev server cannot transform). One thread unless the page is
 * cross-origin isolated.
 */
import * as ort from "onnxruntime-web";

ort.env.wasm.wasmPaths = {
  wasm: new URL("/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.jsep.wasm", location.href).href,
};
ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? 2 : 1;

export { ort };

/** Throws unless `cond` holds. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** The WebGPU adapter, or null. */
export async function gpuAdapter(): Promise<GPUAdapter | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  return gpu ? await gpu.requestAdapter() : null;
}
