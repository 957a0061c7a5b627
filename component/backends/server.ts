/**
 * The server backend: an HTTP client of an Open Inference Protocol (KServe v2) server, such as
 * this project's Deno server or a Triton/KServe deployment serving the same model. Latents go up
 * and images come back as raw bytes (the binary tensor extension), never JSON number arrays.
 *
 * @module
 */

import type { Latent } from "../../core/latent.ts";
import type { RgbaImage } from "../../core/image.ts";
import { abortError } from "../../core/pipeline.ts";
import {
  decodeInferResponse,
  encodeInferRequest,
  HEADER_LENGTH_HEADER,
  type InferResponse,
  parseHeaderLength,
} from "../../core/wire.ts";
import type { ModelManifest } from "../../core/manifest.ts";
import { type Backend, type BackendFactory, NotApplicable } from "./types.ts";
import { type Answer, fetchAnswer, fetchRetrying, type ServerClientOptions } from "./server-http.ts";
import type { ServerRetry } from "../worker/protocol.ts";

export { SERVER_CLIENT_DEFAULTS, type ServerClientOptions } from "./server-http.ts";

/** Requests in flight at once: enough to keep a batching server busy, few enough to stream images. */
const concurrency = 4;

/** One server of a backend: where its model is, what it is sent and how it is waited for. */
interface Target {
  /** The model's URL (`.../v2/models/{name}`). */
  model: string;
  /** The bearer token's header, or none. */
  auth: Record<string, string>;
  /** The server as the render's errors name it ("The server https://gpu:8000"). */
  who: string;
  /** The model's manifest: its latents' shape and images' size. */
  manifest: ModelManifest;
  /** Timeout, retries and waits. */
  options: ServerClientOptions;
}

async function inferOne(
  target: Target,
  latent: Latent,
  prompt: string,
  signal: AbortSignal,
  onRetry?: (retry: ServerRetry | null) => void,
): Promise<RgbaImage> {
  const [c, h, w] = latent.shape;
  const { body, headers } = encodeInferRequest({
    inputs: [
      { name: "latents", datatype: "FP32", shape: [1, c, h, w], data: latent.data },
      { name: "prompt", datatype: "BYTES", shape: [1], data: [new TextEncoder().encode(prompt)] },
    ],
    outputs: [{ name: "images", parameters: { binary_data: true } }],
  }, { binary: true });
  const answer = await fetchRetrying(
    `${target.model}/infer`,
    { method: "POST", body, headers: { ...headers, ...target.auth } },
    target.who,
    target.options,
    signal,
    onRetry,
  );
  const { response, bytes, tries } = answer;
  if (!response.ok) {
    const times = tries > 1 ? `; tried ${tries} times` : "";
    throw new Error(`${target.who} refused to render: ${refusal(response.status, bytes)}${times}`);
  }
  return readImage(decodeAnswer(answer, target.who), target);
}

/**
 * Decodes an infer answer. A binary answer whose `Inference-Header-Content-Length` the page cannot read
 * (a Triton or KServe behind a proxy that does not list it in `Access-Control-Expose-Headers`) would
 * read as malformed JSON: it is named for what it is.
 */
function decodeAnswer({ response, bytes }: Answer, who: string): InferResponse {
  const header = response.headers.get(HEADER_LENGTH_HEADER);
  try {
    return decodeInferResponse(bytes, parseHeaderLength(header, bytes.length));
  } catch (error) {
    if (header === null && !isJson(bytes)) {
      throw new Error(
        `${who} sent a binary answer without a readable ${HEADER_LENGTH_HEADER} header: its CORS headers ` +
          `must expose it (Access-Control-Expose-Headers: ${HEADER_LENGTH_HEADER})`,
        { cause: error },
      );
    }
    throw new Error(`${who} sent an answer that cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function isJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(new TextDecoder().decode(bytes));
    return true;
  } catch {
    return false;
  }
}

/** The one image of an answer, which must be of the model's size: `images` UINT8 `[1,H,W,4]`. */
function readImage(decoded: InferResponse, target: Target): RgbaImage {
  const [width, height] = target.manifest.imageSize;
  const want = [1, height, width, 4];
  const images = decoded.outputs.find((o) => o.name === "images");
  const data = images?.data as Uint8Array | undefined;
  if (
    !images || !data || images.datatype !== "UINT8" || images.shape.join() !== want.join() ||
    data.length !== width * height * 4
  ) {
    const got = images
      ? `${images.datatype} images ${JSON.stringify(images.shape)} holding ${data?.length} values`
      : "no images output";
    throw new TypeError(
      `${target.who} answered one latent with ${got}, where the model "${target.manifest.name}" makes ` +
        `UINT8 ${JSON.stringify(want)} (${width * height * 4} bytes)`,
    );
  }
  return { width, height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length) };
}

/**
 * Why a server refused a request: its status, the `error` its JSON body gives (this project's server
 * names the problem: a token, an origin or host not allowed, a bad tensor), and for a 401, or a 403
 * that says nothing else, which attribute gives the server its token.
 */
function refusal(status: number, body: Uint8Array): string {
  let error = "";
  try {
    error = String((JSON.parse(new TextDecoder().decode(body)) as { error?: unknown }).error ?? "");
  } catch { /* not JSON: the status alone */ }
  const token = status === 401 || (status === 403 && !error)
    ? " (the server wants a token: set server-token, or check it)"
    : "";
  return `HTTP ${status}${error ? `: ${error}` : ""}${token}`;
}

/**
 * Checks that the server's model takes the manifest's latents: a server that serves another model
 * (or another version) under the same name would otherwise refuse every infer. The batch dimension
 * may be listed (`-1`, or a fixed size) or left out, as Triton does for a model with a max batch size;
 * metadata that lists no `latents` is not checked. The images' size is checked in each answer: it
 * must be the manifest's `imageSize`.
 *
 * @param text The metadata's body.
 * @param manifest The model's manifest.
 * @param server The server's URL, for messages.
 * @throws Error naming the server when the body is no metadata or the latents differ.
 * @example
 * ```ts
 * import { checkMetadata } from "./server.ts";
 * // checkMetadata('{"inputs":[{"name":"latents","shape":[-1,4,32,32]}]}', manifest, "http://gpu:8000/");
 * ```
 */
export function checkMetadata(text: string, manifest: ModelManifest, server: string): void {
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch { /* below */ }
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw new Error(
      `the server ${server} answered the model "${manifest.name}"'s metadata with something that is not a ` +
        `JSON object (${JSON.stringify(text.slice(0, 40))}): is it an inference server?`,
    );
  }
  const inputs = (meta as { inputs?: unknown }).inputs;
  const got = Array.isArray(inputs) ? inputs.find((t) => t?.name === "latents")?.shape : undefined;
  if (!Array.isArray(got)) return;
  const want = manifest.latentShape;
  const chw = got.length === want.length + 1 ? got.slice(1) : got;
  if (chw.length !== want.length || chw.some((d, i) => d !== -1 && d !== want[i])) {
    throw new Error(
      `the server ${server} serves a model "${manifest.name}" whose input "latents" has shape ` +
        `${JSON.stringify(got)}, where the manifest wants [-1,${want}]: another model under this name`,
    );
  }
}

/**
 * Makes the Open Inference Protocol client's factory, with its own timeout and retries (tests make
 * them short; the element uses {@link serverBackend}, with the defaults).
 *
 * @param options Timeout, retries and waits; see {@link SERVER_CLIENT_DEFAULTS}.
 * @returns The factory.
 * @example
 * ```ts
 * import { createServerBackend } from "./server.ts";
 * const factory = createServerBackend({ timeoutMs: 60_000, retries: 1 });
 * ```
 */
export function createServerBackend(options: ServerClientOptions = {}): BackendFactory {
  return {
    name: "server",
    priority: 20,
    async create(context) {
      if (!context.server) throw new NotApplicable("no server attribute is set");
      const base = context.server.endsWith("/") ? context.server : context.server + "/";
      const model = new URL(`v2/models/${encodeURIComponent(context.manifest.name)}`, base).href;
      // A token-protected server (its --token) wants the bearer token on every /v2 request.
      const auth: Record<string, string> = context.serverToken
        ? { authorization: `Bearer ${context.serverToken}` }
        : {};
      const who = `the server ${context.server}`;
      const get = (url: string) => fetchAnswer(url, { headers: auth }, who, options);
      // The model's metadata, which a token-protected server guards (its ready route, a health check
      // that load balancers probe, answers anyone), then whether it is ready.
      const metadata = await get(model);
      if (metadata.response.status === 404) {
        throw new Error(`${who} does not serve the model "${context.manifest.name}" (HTTP 404)`);
      }
      if (!metadata.response.ok) {
        throw new Error(`${who} refused the request (${refusal(metadata.response.status, metadata.bytes)})`);
      }
      checkMetadata(new TextDecoder().decode(metadata.bytes), context.manifest, context.server);
      const ready = await get(`${model}/ready`);
      if (!ready.response.ok) {
        throw new Error(
          `${who} is not ready to serve the model "${context.manifest.name}" (HTTP ${ready.response.status})`,
        );
      }
      const target: Target = {
        model,
        auth,
        who: `The server ${new URL(base).origin}`,
        manifest: context.manifest,
        options,
      };
      return renderer(target);
    },
  };
}

/**
 * Tells `onRetry` of a render's requests as one: the furthest retry of those waiting (the requests in
 * flight fail or are turned away together, so their retries keep pace), and `null` once none waits.
 *
 * @returns What each request calls with its own retry (by its image's index), or `null` when done.
 */
function retriesTold(
  onRetry?: (retry: ServerRetry | null) => void,
): (i: number, retry: ServerRetry | null) => void {
  const waiting = new Map<number, ServerRetry>();
  let told: ServerRetry | null = null;
  return (i, retry) => {
    if (retry) waiting.set(i, retry);
    else waiting.delete(i);
    const furthest = [...waiting.values()].reduce<ServerRetry | null>(
      (a, b) => (a && a.retry >= b.retry ? a : b),
      null,
    );
    if (furthest === told) return;
    told = furthest;
    onRetry?.(furthest);
  };
}

/** The backend of a server found ready. */
function renderer(target: Target): Backend {
  return {
    name: "server",
    async generate(latents, prompt, options = {}) {
      const out: RgbaImage[] = new Array(latents.length);
      let next = 0;
      // The first failure stops the other requests: no image of a failed render arrives after it.
      const stop = new AbortController();
      const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
      const retries = retriesTold(options.onRetry);
      const worker = async () => {
        while (next < latents.length) {
          if (signal.aborted) throw abortError();
          const i = next++;
          out[i] = await inferOne(target, latents[i], prompt, signal, (retry) => retries(i, retry));
          if (signal.aborted) throw abortError();
          options.onImage?.(i, out[i]);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(concurrency, latents.length) }, worker));
      } catch (error) {
        stop.abort();
        if (options.signal?.aborted) throw abortError();
        throw error;
      }
      return out;
    },
    dispose: () => Promise.resolve(),
  };
}

/** The Open Inference Protocol client, tried after WebGPU when a server URL is set. */
export const serverBackend: BackendFactory = createServerBackend();
