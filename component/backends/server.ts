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
  parseHeaderLength,
} from "../../core/wire.ts";
import type { ModelManifest } from "../../core/manifest.ts";
import type { Backend, BackendFactory } from "./types.ts";

/** Requests in flight at once: enough to keep a batching server busy, few enough to stream images. */
const concurrency = 4;

async function inferOne(
  url: string,
  auth: Record<string, string>,
  latent: Latent,
  prompt: string,
  signal?: AbortSignal,
): Promise<RgbaImage> {
  const [c, h, w] = latent.shape;
  const { body, headers } = encodeInferRequest({
    inputs: [
      { name: "latents", datatype: "FP32", shape: [1, c, h, w], data: latent.data },
      { name: "prompt", datatype: "BYTES", shape: [1], data: [new TextEncoder().encode(prompt)] },
    ],
    outputs: [{ name: "images", parameters: { binary_data: true } }],
  }, { binary: true });
  let response: Response, bytes: Uint8Array;
  try {
    response = await fetch(url, { method: "POST", body, headers: { ...headers, ...auth }, signal });
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new Error(
      `The server ${new URL(url).origin} cannot be reached: ${(error as Error).message}${UNREACHABLE}`,
      {
        cause: error,
      },
    );
  }
  if (!response.ok) throw new Error(`The server refused to render: ${refusal(response.status, bytes)}`);
  const decoded = decodeInferResponse(
    bytes,
    parseHeaderLength(response.headers.get(HEADER_LENGTH_HEADER), bytes.length),
  );
  const images = decoded.outputs.find((o) => o.name === "images");
  if (!images || images.datatype !== "UINT8" || images.shape.length !== 4 || images.shape[3] !== 4) {
    throw new TypeError(
      `Cannot read the server's answer: expected UINT8 images [1,H,W,4], got ${
        images ? `${images.datatype} ${JSON.stringify(images.shape)}` : "no images output"
      }`,
    );
  }
  const data = images.data as Uint8Array;
  return {
    width: images.shape[2],
    height: images.shape[1],
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * What a failed fetch may also mean. A browser hides a refused CORS preflight (sent first when a
 * request carries a token) as a network error: the server's reason cannot be read then.
 */
const UNREACHABLE = " (or it refuses this page's origin: see its --origins)";

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
 * metadata that lists no `latents` is not checked. The images' size is not checked: it is read from
 * each response.
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

/** The Open Inference Protocol client, tried after WebGPU when a server URL is set. */
export const serverBackend: BackendFactory = {
  name: "server",
  priority: 20,
  async create(context) {
    if (!context.server) throw new Error("no server attribute is set");
    const base = context.server.endsWith("/") ? context.server : context.server + "/";
    const model = new URL(`v2/models/${encodeURIComponent(context.manifest.name)}`, base).href;
    // A token-protected server (its --token) wants the bearer token on every /v2 request.
    const auth: Record<string, string> = context.serverToken
      ? { authorization: `Bearer ${context.serverToken}` }
      : {};
    const get = async (url: string) => {
      try {
        return await fetch(url, { headers: auth });
      } catch (error) {
        throw new Error(
          `the server ${context.server} cannot be reached: ${(error as Error).message}${UNREACHABLE}`,
        );
      }
    };
    // The model's metadata, which a token-protected server guards (its ready route, a health check
    // that load balancers probe, answers anyone), then whether it is ready.
    const metadata = await get(model);
    if (metadata.status === 404) {
      await metadata.arrayBuffer().catch(() => null);
      throw new Error(
        `the server ${context.server} does not serve the model "${context.manifest.name}" (HTTP 404)`,
      );
    }
    if (!metadata.ok) {
      const body = new Uint8Array(await metadata.arrayBuffer().catch(() => new ArrayBuffer(0)));
      throw new Error(`the server ${context.server} refused the request (${refusal(metadata.status, body)})`);
    }
    checkMetadata(await metadata.text(), context.manifest, context.server);
    const ready = await get(`${model}/ready`);
    // Read, not cancelled: a cancelled body shows as a failed request in the page's network log.
    await ready.arrayBuffer().catch(() => null);
    if (!ready.ok) {
      throw new Error(
        `the server ${context.server} is not ready to serve the model "${context.manifest.name}" (HTTP ${ready.status})`,
      );
    }
    const backend: Backend = {
      name: "server",
      async generate(latents, prompt, options = {}) {
        const out: RgbaImage[] = new Array(latents.length);
        let next = 0;
        // The first failure stops the other requests: no image of a failed render arrives after it.
        const stop = new AbortController();
        const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
        const worker = async () => {
          while (next < latents.length) {
            if (signal.aborted) throw abortError();
            const i = next++;
            out[i] = await inferOne(`${model}/infer`, auth, latents[i], prompt, signal);
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
    return backend;
  },
};
