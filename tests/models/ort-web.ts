/**
 * onnxruntime-web set up for the browser tests under web-test-runner, in the builds the element's
 * backends run (component/backends/onnx.ts): `onnxruntime-web/wasm` for wasm, `onnxruntime-web/webgpu`
 * for WebGPU. Each bundle carries its wasm glue, so only its .wasm binary is fetched, from the test
 * server's node_modules (a prefix URL would make ort import the separate .mjs glue, which the dev
 * server cannot transform). One thread unless the page is cross-origin isolated.
 */
import * as ortWasm from "onnxruntime-web/wasm";
import * as ortWebgpu from "onnxruntime-web/webgpu";
import { ortRuntimes } from "../../component/backends/ort-wasm.ts";

/** The build of onnxruntime-web for each execution provider, as the element's backend of that name. */
export const ortBuilds = { wasm: ortWasm, webgpu: ortWebgpu };

for (const ep of ["wasm", "webgpu"] as const) {
  const { env } = ortBuilds[ep];
  env.wasm.wasmPaths = {
    wasm: new URL(`/node_modules/onnxruntime-web/dist/${ortRuntimes[ep].wasm}`, location.href).href,
  };
  env.wasm.numThreads = globalThis.crossOriginIsolated ? 2 : 1;
}

/** Throws unless `cond` holds. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** The WebGPU adapter, or null. */
export async function gpuAdapter(): Promise<GPUAdapter | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  return gpu ? await gpu.requestAdapter() : null;
}
