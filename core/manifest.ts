/**
 * Model manifests: a JSON file next to a model's weights that says what kind of model it is, the latent
 * shape it takes, the image size it makes, and where its files are (relative to the manifest).
 *
 * ```json
 * { "name": "builtin-landscape", "kind": "decoder", "latentShape": [4, 32, 32], "imageSize": [256, 256],
 *   "files": { "decoder": { "path": "model.onnx", "dtype": "float32", "bytes": 17671, "sha256": "…" } } }
 * ```
 *
 * Kinds and their files: `decoder` needs `files.decoder` (inputs `latent` [N,C,H,W] and optionally
 * `style` [1,36], output `image` [N,3,H,W] in [0,1]); `sd-turbo` needs `files.text_encoder`,
 * `files.unet`, `files.vae_decoder` and `tokenizer` (a tokenizer.json: its path, or
 * `{ "path", "bytes", "sha256" }` to give its size and hash as each of `files` may), latent [4,H/8,W/8].
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Shape } from "./latent.ts";

/** What a manifest says of a file's content, where it says it: for a loader that checks what it read. */
export type ExpectedFile = {
  /** Size in bytes: download progress, and a check of what was downloaded or cached. */
  bytes?: number;
  /** SHA-256 of the file, lower-case hex: an exact check of what was downloaded or cached. */
  sha256?: string;
};

/** One weight file of a model. */
export type ModelFile = ExpectedFile & {
  /** Path relative to the manifest, as written in it. */
  path: string;
  /** Element type of the model's float inputs and outputs. */
  dtype: "float32" | "float16";
  /** Absolute URL, resolved against the manifest's URL. */
  url: string;
};

/** The kinds of model the pipeline drives. */
export type ModelKind = "decoder" | "sd-turbo";

/** A parsed, validated model manifest. */
export type ModelManifest = {
  name: string;
  kind: ModelKind;
  /** Shape of one latent, `[C, H, W]`. */
  latentShape: Shape;
  /** Output size, `[width, height]`. */
  imageSize: [number, number];
  files: Record<string, ModelFile>;
  /** Absolute URL of tokenizer.json (sd-turbo). */
  tokenizer?: string;
  /** The size and SHA-256 the manifest gives for tokenizer.json, where it gives them. */
  tokenizerExpected?: ExpectedFile;
  description?: string;
  /** Absolute URL of the manifest itself. */
  baseUrl: string;
};

const REQUIRED_FILES: Record<ModelKind, string[]> = {
  decoder: ["decoder"],
  "sd-turbo": ["text_encoder", "unet", "vae_decoder"],
};

function fail(field: string, expected: string, got: unknown): never {
  const shown = typeof got === "string" ? JSON.stringify(got) : JSON.stringify(got) ?? String(got);
  throw new TypeError(`Invalid model manifest: ${field} must be ${expected}, got ${shown}`);
}

function positiveInts(value: unknown, n: number, field: string): number[] {
  if (
    !Array.isArray(value) || value.length !== n ||
    !value.every((v) => typeof v === "number" && Number.isInteger(v) && v > 0)
  ) {
    fail(field, `an array of ${n} positive integers`, value);
  }
  return value as number[];
}

/** A file's optional `bytes` and `sha256`, checked; the hash in lower case. */
function expectedOf(f: Record<string, unknown>, field: string): ExpectedFile {
  if (f.bytes !== undefined && !(typeof f.bytes === "number" && Number.isInteger(f.bytes) && f.bytes >= 0)) {
    fail(`${field}.bytes`, "a non-negative integer", f.bytes);
  }
  if (f.sha256 !== undefined && !(typeof f.sha256 === "string" && /^[0-9a-f]{64}$/i.test(f.sha256))) {
    fail(`${field}.sha256`, "64 hexadecimal digits", f.sha256);
  }
  return {
    ...(f.bytes === undefined ? {} : { bytes: f.bytes as number }),
    ...(f.sha256 === undefined ? {} : { sha256: (f.sha256 as string).toLowerCase() }),
  };
}

function resolve(path: string, base: string | URL, field: string): string {
  try {
    return new URL(path, base).href;
  } catch {
    fail(field, "a path relative to the manifest's URL", path);
  }
}

/**
 * Validates a manifest and resolves its file paths.
 *
 * @param json The parsed JSON.
 * @param baseUrl The manifest's own URL: file paths are resolved against it.
 * @returns The manifest with absolute URLs.
 * @throws TypeError naming the first bad field, e.g. `Invalid model manifest: kind must be ...`.
 * @example
 * ```ts
 * import { parseManifest } from "./manifest.ts";
 * const m = parseManifest({
 *   name: "m", kind: "decoder", latentShape: [4, 32, 32], imageSize: [256, 256],
 *   files: { decoder: { path: "model.onnx", dtype: "float32" } },
 * }, "https://example.com/models/m/manifest.json");
 * m.files.decoder.url; // "https://example.com/models/m/model.onnx"
 * ```
 */
export function parseManifest(json: unknown, baseUrl: string | URL): ModelManifest {
  try {
    new URL(baseUrl); // not URL.canParse: Safari before 17 has none
  } catch {
    throw new TypeError(
      `Invalid model manifest URL "${baseUrl}": file paths need an absolute URL to resolve against`,
    );
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) fail("manifest", "an object", json);
  const m = json as Record<string, unknown>;
  if (typeof m.name !== "string" || m.name === "") fail("name", "a non-empty string", m.name);
  // The name is a URL path segment (/v2/models/{name}), where . and .. would move up the path.
  if (m.name === "." || m.name === "..") fail("name", "a name other than . and ..", m.name);
  if (m.kind !== "decoder" && m.kind !== "sd-turbo") fail("kind", `"decoder" or "sd-turbo"`, m.kind);
  const kind = m.kind as ModelKind;
  const latentShape = positiveInts(m.latentShape, 3, "latentShape") as unknown as Shape;
  const imageSize = positiveInts(m.imageSize, 2, "imageSize") as [number, number];
  if (kind === "sd-turbo") {
    if (latentShape[0] !== 4) fail("latentShape[0]", "4 for sd-turbo", latentShape[0]);
    if (imageSize[0] !== latentShape[2] * 8 || imageSize[1] !== latentShape[1] * 8) {
      fail("imageSize", `8 times the latent size [${latentShape[2] * 8},${latentShape[1] * 8}]`, imageSize);
    }
  }
  if (typeof m.files !== "object" || m.files === null || Array.isArray(m.files)) {
    fail("files", "an object of { path, dtype }", m.files);
  }
  const files: Record<string, ModelFile> = {};
  for (const [key, value] of Object.entries(m.files as Record<string, unknown>)) {
    const f = value as Record<string, unknown>;
    if (typeof f !== "object" || f === null) fail(`files.${key}`, "an object { path, dtype }", f);
    if (typeof f.path !== "string" || f.path === "") fail(`files.${key}.path`, "a non-empty string", f.path);
    if (f.dtype !== "float32" && f.dtype !== "float16") {
      fail(`files.${key}.dtype`, `"float32" or "float16"`, f.dtype);
    }
    // The decoder runners feed and read float32 tensors; only the sd-turbo recipe converts.
    if (kind === "decoder" && f.dtype !== "float32") {
      fail(`files.${key}.dtype`, `"float32" for a decoder model`, f.dtype);
    }
    files[key] = {
      path: f.path as string,
      dtype: f.dtype as ModelFile["dtype"],
      ...expectedOf(f, `files.${key}`),
      url: resolve(f.path as string, baseUrl, `files.${key}.path`),
    };
  }
  for (const key of REQUIRED_FILES[kind]) {
    if (!files[key]) fail(`files.${key}`, `present for a ${kind} model`, undefined);
  }
  // The text encoder's output goes into the UNet as it is.
  if (kind === "sd-turbo" && files.text_encoder.dtype !== files.unet.dtype) {
    fail("files.text_encoder.dtype", `the UNet's dtype "${files.unet.dtype}"`, files.text_encoder.dtype);
  }
  let tokenizer: string | undefined, tokenizerExpected: ExpectedFile = {};
  if (m.tokenizer !== undefined || kind === "sd-turbo") {
    // A path, or { path, bytes, sha256 }: manifests written before the second form keep working.
    const t = m.tokenizer;
    const isObject = typeof t === "object" && t !== null && !Array.isArray(t);
    const path = isObject ? (t as Record<string, unknown>).path : t;
    if (typeof path !== "string" || path === "") {
      if (isObject) fail("tokenizer.path", "the path of a tokenizer.json", path);
      fail("tokenizer", "the path of a tokenizer.json, or an object { path, bytes, sha256 }", t);
    }
    tokenizer = resolve(path, baseUrl, isObject ? "tokenizer.path" : "tokenizer");
    if (isObject) tokenizerExpected = expectedOf(t as Record<string, unknown>, "tokenizer");
  }
  if (m.description !== undefined && typeof m.description !== "string") {
    fail("description", "a string", m.description);
  }
  return {
    name: m.name as string,
    kind,
    latentShape,
    imageSize,
    files,
    ...(tokenizer ? { tokenizer } : {}),
    ...(Object.keys(tokenizerExpected).length ? { tokenizerExpected } : {}),
    ...(typeof m.description === "string" ? { description: m.description } : {}),
    baseUrl: new URL(baseUrl).href,
  };
}

/**
 * Fetches and parses a manifest.
 *
 * @param url The manifest's URL.
 * @param fetchFn The fetch to use (default: the global one).
 * @returns The parsed manifest.
 * @example
 * ```ts
 * import { loadManifest } from "./manifest.ts";
 * const m = await loadManifest(new URL("../models/builtin/manifest.json", import.meta.url));
 * ```
 */
export async function loadManifest(url: string | URL, fetchFn: typeof fetch = fetch): Promise<ModelManifest> {
  const response = await fetchFn(url);
  if (!response.ok) {
    throw new TypeError(`Cannot load model manifest ${url}: HTTP ${response.status} ${response.statusText}`);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new TypeError(`Cannot load model manifest ${url}: not JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  // A page's relative URL is the page's: the files resolve against the manifest's absolute URL.
  return parseManifest(json, new URL(url, globalThis.location?.href));
}

/**
 * The SHA-256 of some bytes as lower-case hex, as a manifest's `sha256` writes it.
 *
 * @param bytes The bytes.
 * @returns 64 hexadecimal digits.
 * @example
 * ```ts
 * import { sha256Hex } from "./manifest.ts";
 * await sha256Hex(new Uint8Array()); // "e3b0c442..."
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // Web Crypto exists only in secure contexts: a page served over plain http from another host than
  // localhost has no crypto.subtle, and gets the same digest from @noble/hashes (slower, in JS).
  if (!globalThis.crypto?.subtle) return bytesToHex(sha256(bytes));
  // Digest takes no view of a SharedArrayBuffer: only such bytes are copied (a model is gigabytes).
  const source = bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", source)));
}
