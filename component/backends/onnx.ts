/**
 * The local backends: onnxruntime-web on WebGPU, or on wasm (CPU). Both drive core/pipeline's
 * generator, the same code the server runs on onnxruntime-node, so a latent gives the same image.
 *
 * @module
 */

import * as ort from "onnxruntime-web/webgpu";
import { createGenerator } from "../../core/pipeline.ts";
import type { ModelManifest } from "../../core/manifest.ts";
import type { Backend, BackendContext, BackendFactory } from "./types.ts";
import { loadWithOrtWasm, ortWasmFile } from "./ort-wasm.ts";

/** Models larger than this (all files together) are refused on wasm: too slow to be usable. */
export const wasmSizeLimit = 256 * 1024 * 1024;

function modelBytes(manifest: ModelManifest): number {
  return Object.values(manifest.files).reduce((sum, f) => sum + (f.bytes ?? 0), 0);
}

function configureOrt(wasm: Uint8Array): void {
  // The wasm's bytes, which the download bar counted (ort-wasm.ts): onnxruntime fetches none. No
  // wasmPaths: the glue module is inside the bundle, and a prefix would make onnxruntime import it.
  ort.env.wasm.wasmBinary = wasm;
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page has. There, from a bundle
  // on another origin, onnxruntime starts them from ort-wasm-simd-threaded.asyncify.mjs beside the
  // worker, fetched into a blob: URL (scripts/build.mjs ships it); the threads get the compiled wasm.
  if (!globalThis.crossOriginIsolated) ort.env.wasm.numThreads = 1;
}

async function createOnnxBackend(
  name: "webgpu" | "wasm",
  context: BackendContext,
): Promise<Backend> {
  const download = loadWithOrtWasm(new URL(ortWasmFile, context.wasmBase).href, context.onDownloadProgress);
  const generator = await createGenerator(context.manifest, ort, {
    executionProviders: [name],
    loadFile: context.loadFile,
    reloadFile: context.reloadFile,
    onDownloadProgress: download.onModelProgress,
    runtimeReady: download.wasm.then(configureOrt),
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
      throw new Error(
        globalThis.isSecureContext === false
          ? "WebGPU is given only to pages served over https (or from localhost), and this page is on plain http"
          : "this browser has no WebGPU (navigator.gpu is missing)",
      );
    }
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new Error("WebGPU has no adapter (requestAdapter() returned null)");
    if (context.auto && (adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter)) {
      const which = adapter.info?.architecture || adapter.info?.vendor || "software";
      throw new Error(
        `the only WebGPU adapter is a software fallback (${which}), far slower than the CPU backend; set backend="webgpu" to use it anyway`,
      );
    }
    const fp16 = Object.values(context.manifest.files).some((f) => f.dtype === "float16");
    if (fp16 && !adapter.features.has("shader-f16")) {
      throw new Error("the model is float16 and this GPU lacks the shader-f16 feature");
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
      throw new Error(
        `the ${manifest.kind} model's manifest gives no bytes for its files, so its size is unknown and auto does not try it on the CPU (limit ${
          wasmSizeLimit / 2 ** 20
        } MiB): without WebGPU, set the server attribute to an inference server (or backend="wasm" to try anyway)`,
      );
    }
    const bytes = modelBytes(manifest);
    if (bytes > wasmSizeLimit) {
      throw new Error(
        `the model is ${Math.round(bytes / 2 ** 20)} MiB, too large for the CPU (limit ${
          wasmSizeLimit / 2 ** 20
        } MiB): without WebGPU, set the element's server attribute to an inference server`,
      );
    }
    return await createOnnxBackend("wasm", context);
  },
};
