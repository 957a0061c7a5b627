/**
 * The local backends: onnxruntime-web on WebGPU, or on wasm (CPU). Both drive core/pipeline's
 * generator, the same code the server runs on onnxruntime-node, so a latent gives the same image.
 *
 * Each runs its own build of onnxruntime-web: webgpu `onnxruntime-web/webgpu`, wasm
 * `onnxruntime-web/wasm`, whose runtime is half the size and faster on the CPU (its wasm is built
 * without asyncify, which the WebGPU provider needs: bench/inference.mjs). Each build has its own
 * `env` and wasm instance, and downloads only its own runtime, when its backend starts.
 *
 * @module
 */

import * as ortWebgpu from "onnxruntime-web/webgpu";
import * as ortWasm from "onnxruntime-web/wasm";
import { createGenerator } from "../../core/pipeline.ts";
import type { ModelManifest } from "../../core/manifest.ts";
import { type Backend, type BackendContext, type BackendFactory, NotApplicable } from "./types.ts";
import { loadWithOrtWasm, type OrtRuntime, ortRuntimes } from "./ort-wasm.ts";
import { NO_WEBGPU } from "../worker/protocol.ts";

/** Models larger than this (all files together) are refused on wasm: too slow to be usable. */
export const wasmSizeLimit = 256 * 1024 * 1024;

/** The onnxruntime-web build each backend runs. */
const builds = { webgpu: ortWebgpu, wasm: ortWasm };

function modelBytes(manifest: ModelManifest): number {
  return Object.values(manifest.files).reduce((sum, f) => sum + (f.bytes ?? 0), 0);
}

/**
 * Gives onnxruntime its wasm's bytes, which the download bar counted (ort-wasm.ts): it fetches none.
 *
 * Threads need SharedArrayBuffer, which only a cross-origin isolated page has; elsewhere it runs on
 * one. Threads are workers started from the glue module's URL. The glue inside this bundle would
 * start them from latent-evolver.worker.js, where both builds' glue answer a thread's messages (the
 * webgpu backend's threads hung: tests/e2e/isolated.test.ts). So on an isolated page onnxruntime
 * imports its build's own glue file from beside the worker (scripts/build.mjs ships it), into a
 * blob: URL when that is on another origin (a page starts workers only from its own). Elsewhere no
 * wasmPaths, which would make it import the glue file for nothing.
 */
function configureOrt(ort: typeof ortWasm, runtime: OrtRuntime, base: string, wasm: Uint8Array): void {
  ort.env.wasm.wasmBinary = wasm;
  if (globalThis.crossOriginIsolated) ort.env.wasm.wasmPaths = { mjs: new URL(runtime.glue, base).href };
  else ort.env.wasm.numThreads = 1;
}

async function createOnnxBackend(
  name: "webgpu" | "wasm",
  context: BackendContext,
): Promise<Backend> {
  const ort = builds[name];
  const runtime = ortRuntimes[name];
  const download = loadWithOrtWasm(runtime, context.wasmBase, context.onDownloadProgress);
  const generator = await createGenerator(context.manifest, ort, {
    executionProviders: [name],
    loadFile: context.loadFile,
    reloadFile: context.reloadFile,
    onDownloadProgress: download.onModelProgress,
    runtimeReady: download.wasm.then((wasm) => configureOrt(ort, runtime, context.wasmBase, wasm)),
  });
  return {
    name,
    generate: (latents, prompt, options) => generator.generate(latents, prompt, options),
    dispose: () => generator.dispose(),
  };
}

type AdapterLike = {
  features: { has(name: string): boolean };
  /** Where the browser has it (Chrome 127+); `isFallbackAdapter` moved into it from the adapter. */
  info?: { isFallbackAdapter?: boolean; architecture?: string; vendor?: string };
  isFallbackAdapter?: boolean;
};
type GpuLike = { requestAdapter(): Promise<AdapterLike | null> };

/**
 * WebGPU through onnxruntime-web: probed with `requestAdapter()`, and `shader-f16` for fp16 models.
 * In `auto` a software fallback adapter (Chromium's SwiftShader, where there is no usable GPU) is
 * passed over: the built-in model took 18 s a batch on it where wasm took 0.3 s.
 */
export const webgpuBackend: BackendFactory = {
  name: "webgpu",
  priority: 30,
  async create(context) {
    const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
    if (!gpu) {
      // Browsers give WebGPU only to secure contexts: a page on plain http from another host than
      // localhost (the demo served with --host 0.0.0.0, opened from another machine) has none.
      throw new NotApplicable(globalThis.isSecureContext === false ? NO_WEBGPU.insecure : NO_WEBGPU.missing);
    }
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new NotApplicable(NO_WEBGPU.noAdapter);
    if (context.auto && (adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter)) {
      const which = adapter.info?.architecture || adapter.info?.vendor || "software";
      throw new NotApplicable(
        `the only WebGPU adapter is a software fallback (${which}), far slower than the CPU backend; set backend="webgpu" to use it anyway`,
      );
    }
    const fp16 = Object.values(context.manifest.files).some((f) => f.dtype === "float16");
    if (fp16 && !adapter.features.has("shader-f16")) {
      throw new NotApplicable("the model is float16 and this GPU lacks the shader-f16 feature");
    }
    return await createOnnxBackend("webgpu", context);
  },
};

/** onnxruntime-web on the CPU, for models under {@link wasmSizeLimit}. */
export const wasmBackend: BackendFactory = {
  name: "wasm",
  priority: 10,
  async create(context) {
    const { manifest } = context;
    // SD-Turbo is gigabytes: one whose size its manifest leaves out is not tried blind in auto
    // (it would download all of it to find out).
    if (
      context.auto && manifest.kind === "sd-turbo" &&
      Object.values(manifest.files).some((f) => f.bytes === undefined)
    ) {
      throw new NotApplicable(
        `the ${manifest.kind} model's manifest gives no bytes for its files, so its size is unknown and auto does not try it on the CPU (limit ${
          wasmSizeLimit / 2 ** 20
        } MiB): without WebGPU, set the server attribute to an inference server (or backend="wasm" to try anyway)`,
      );
    }
    const bytes = modelBytes(manifest);
    if (bytes > wasmSizeLimit) {
      throw new NotApplicable(
        `the model is ${Math.round(bytes / 2 ** 20)} MiB, too large for the CPU (limit ${
          wasmSizeLimit / 2 ** 20
        } MiB): without WebGPU, set the element's server attribute to an inference server`,
      );
    }
    return await createOnnxBackend("wasm", context);
  },
};
