/**
 * Reads a whole byte stream (a response or request body) into one array, as it arrives: the model
 * loaders report download progress from it, and the server refuses an oversized upload before it is
 * buffered.
 *
 * @module
 */

/** Options of {@link readBody}. */
export type ReadBodyOptions = {
  /** Called after each chunk with the bytes read so far. */
  onProgress?: (loaded: number) => void;
  /** The most bytes accepted (default: no limit). Past it the stream is cancelled and `tooLarge` thrown. */
  limit?: number;
  /** The error thrown past `limit` (default: a RangeError naming the limit). */
  tooLarge?: (limit: number) => Error;
  /** Aborting it cancels the stream and rejects with the signal's reason (a slow upload past a timeout). */
  signal?: AbortSignal;
};

/**
 * Reads a stream to its end and returns its bytes in one array that owns its whole buffer.
 *
 * @param body The stream, e.g. `response.body`.
 * @param options Progress, limit and cancellation.
 * @returns The bytes.
 * @throws The `tooLarge` error past `limit`; the signal's reason when aborted.
 * @example
 * ```ts
 * import { readBody } from "./read-body.ts";
 * const bytes = await readBody(new Response("hello").body!, { onProgress: (n) => console.log(n) });
 * ```
 */
export async function readBody(
  body: ReadableStream<Uint8Array>,
  options: ReadBodyOptions = {},
): Promise<Uint8Array> {
  const { onProgress, limit = Infinity, signal } = options;
  // Aborted already, the abort event will not come: a stalled stream would be waited on for ever.
  if (signal?.aborted) {
    await body.cancel().catch(() => {});
    throw signal.reason;
  }
  const tooLarge = options.tooLarge ??
    ((n: number) => new RangeError(`Cannot read body: over the limit of ${n} bytes`));
  const reader = body.getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) break;
      loaded += value.length;
      if (loaded > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
      onProgress?.(loaded);
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  // A lone chunk that owns its buffer is returned as is: a large upload is not copied twice.
  const only = chunks.length === 1 ? chunks[0] : undefined;
  if (only && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return only;
  const out = new Uint8Array(loaded);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/**
 * The number of bytes a response's body will read as, when the headers tell it: `Content-Length`,
 * unless a `Content-Encoding` is set (a server or CDN that compresses): the length is then of the
 * compressed body, while fetch reads the decompressed one, and progress would pass 100%.
 *
 * @param response The response.
 * @returns The length, or 0 when unknown.
 * @example
 * ```ts
 * import { decodedLength } from "./read-body.ts";
 * decodedLength(new Response("hello", { headers: { "content-length": "5" } })); // 5
 * ```
 */
export function decodedLength(response: Response): number {
  const encoding = response.headers.get("content-encoding");
  if (encoding && encoding.trim().toLowerCase() !== "identity") return 0;
  return Number(response.headers.get("content-length")) || 0;
}

/**
 * Reads a response's whole body, reporting `(loaded, total)` as it comes; total is
 * {@link decodedLength}, 0 when unknown.
 *
 * @param response The response.
 * @param onProgress Progress callback.
 * @returns The bytes.
 * @example
 * ```ts
 * import { readResponse } from "./read-body.ts";
 * await readResponse(new Response("hello"), (n, total) => console.log(n, total));
 * ```
 */
export async function readResponse(
  response: Response,
  onProgress?: (loaded: number, total: number) => void,
): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const total = decodedLength(response);
  return await readBody(response.body, { onProgress: onProgress && ((loaded) => onProgress(loaded, total)) });
}
