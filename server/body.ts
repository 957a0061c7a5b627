/**
 * Reads a request body with a size limit enforced while streaming, so an oversized body is refused
 * before it is buffered.
 *
 * @module
 */

import { readBody } from "../core/read-body.ts";

/** Thrown when a body is over the limit: the server answers 413. */
export class BodyTooLargeError extends RangeError {
  constructor(limit: number) {
    super(`Cannot read request body: over the limit of ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * Reads a whole request body, refusing it as soon as it passes `limit` bytes.
 *
 * @param request The request.
 * @param limit The most bytes accepted.
 * @param signal Aborting it stops reading (a slow upload past the request timeout) and rejects.
 * @returns The body bytes.
 * @example
 * ```ts
 * const bytes = await readBodyLimited(request, 16 << 20);
 * ```
 */
export async function readBodyLimited(
  request: Request,
  limit: number,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw new BodyTooLargeError(limit);
  if (!request.body) return new Uint8Array(0);
  return await readBody(request.body, { limit, tooLarge: (n) => new BodyTooLargeError(n), signal });
}
