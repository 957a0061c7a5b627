/**
 * The interface every inference backend implements, what a backend factory is given, and what it
 * throws when its backend does not apply. A backend turns latents and a prompt into RGBA images;
 * where it runs is its own business.
 *
 * @module
 */

import type { Latent } from "../../core/latent.ts";
import type { ModelManifest } from "../../core/manifest.ts";
import type { LoadFile, ReloadFile } from "../../core/pipeline.ts";
import type { RgbaImage } from "../../core/image.ts";
import type { BackendName, ServerRetry } from "../worker/protocol.ts";

/** Options of one {@link Backend.generate} call. */
export interface GenerateOptions {
  /** Aborts the call; it then rejects with an AbortError `DOMException`. */
  signal?: AbortSignal;
  /** Called as each image is done, in any order. */
  onImage?: (index: number, image: RgbaImage) => void;
  /**
   * The server backend: told when requests wait to be sent again (the furthest retry waited for),
   * and with `null` when none waits any more.
   */
  onRetry?: (retry: ServerRetry | null) => void;
}

/** A ready backend: a loaded model that renders latents. */
export interface Backend {
  /** Which backend this is. */
  readonly name: BackendName;
  /** Renders latents with a prompt into images, one per latent. */
  generate(latents: Latent[], prompt: string, options?: GenerateOptions): Promise<RgbaImage[]>;
  /** Releases the model. */
  dispose(): Promise<void>;
}

/** What a factory needs to build its backend. */
export interface BackendContext {
  /** The model's parsed manifest. */
  manifest: ModelManifest;
  /** The manifest's absolute URL. */
  manifestUrl: string;
  /** The inference server's base URL, or `""`. */
  server: string;
  /** Bearer token for the server, or `""`. */
  serverToken?: string;
  /** Base URL of onnxruntime-web's wasm files. */
  wasmBase: string;
  /** Reads a model file (from Cache Storage when it was downloaded before); see core's `LoadFile`. */
  loadFile: LoadFile;
  /** Reads a model file again past every cache, once, when its bytes cannot be used; see core's `ReloadFile`. */
  reloadFile?: ReloadFile;
  /** Download progress, in bytes over the model's files (and onnxruntime's wasm, on webgpu and wasm). */
  onDownloadProgress?: (loaded: number, total: number) => void;
  /**
   * True when `auto` is choosing: a factory then declines a poor fit that a site owner's explicit
   * choice still gets (WebGPU on a software fallback adapter).
   */
  auto?: boolean;
}

/** Builds one kind of backend; `create` rejects with a message saying why it cannot. */
export interface BackendFactory {
  /** The backend's name. */
  readonly name: BackendName;
  /** Higher is tried first in `auto`. */
  readonly priority: number;
  /** Probes what it needs and loads the model. */
  create(context: BackendContext): Promise<Backend>;
}

/**
 * What a factory throws when its backend does not apply here, before trying anything: this browser
 * has no WebGPU, the model is too large for the CPU. `auto` passes over it, and it does not count as
 * a backend tried (a start that failed on every backend tried may be the page's policy alone).
 *
 * @example
 * ```ts
 * import { NotApplicable } from "./types.ts";
 * throw new NotApplicable("this browser has no WebGPU (navigator.gpu is missing)");
 * ```
 */
export class NotApplicable extends Error {
  override name = "NotApplicable";
}
