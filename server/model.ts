/**
 * What the server needs of a model: its shapes for validation and metadata, and `generate()`. A
 * `core/pipeline` Generator fits through {@link servedModelFromGenerator}; tests inject fakes.
 *
 * @module
 */
import type { Latent, Shape } from "../core/latent.ts";

/** An RGBA image, row-major, as `core/pipeline` returns it. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A model the server answers for. */
export interface ServedModel {
  /** The name in `/v2/models/{name}`. */
  name: string;
  /** Reported in metadata; the server serves one version per name. */
  version: string;
  /** The manifest's kind ("decoder", "sd-turbo"), reported as the platform. */
  platform: string;
  /** The onnxruntime execution provider in use ("cuda", "webgpu", "cpu"). */
  executionProvider: string;
  /** One latent's shape `[C, H, W]`. */
  latentShape: Shape;
  /** The output images' `[width, height]`, as in the manifest. */
  imageSize: readonly [number, number];
  /** How many `generate()` calls may run at once (instances of the model; default 1). */
  concurrency?: number;
  /** False once the model can no longer serve (its worker died); absent means always healthy. */
  healthy?(): boolean;
  /** Renders latents; aborting `signal` rejects with an AbortError. */
  generate(latents: Latent[], prompt: string, options?: { signal?: AbortSignal }): Promise<RgbaImage[]>;
}

/** The part of a `core/pipeline` Generator the server uses. */
export interface GeneratorLike {
  manifest: { name: string; kind: string; latentShape: Shape; imageSize: readonly [number, number] };
  executionProvider: string;
  generate(latents: Latent[], prompt: string, options?: { signal?: AbortSignal }): Promise<RgbaImage[]>;
}

/**
 * Wraps a `core/pipeline` Generator as a served model.
 *
 * @param generator The generator.
 * @param name The name to serve it under (default: the manifest's name).
 * @returns The served model.
 * @example
 * ```ts
 * const model = servedModelFromGenerator(await createGenerator(manifest, ort));
 * ```
 */
export function servedModelFromGenerator(
  generator: GeneratorLike,
  name = generator.manifest.name,
): ServedModel {
  const m = generator.manifest;
  return {
    name,
    version: "1",
    platform: m.kind,
    executionProvider: generator.executionProvider,
    latentShape: m.latentShape,
    imageSize: m.imageSize,
    generate: (latents, prompt, options) => generator.generate(latents, prompt, options),
  };
}
