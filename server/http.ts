/**
 * HTTP answers: an error with its status, and JSON responses in the protocol's `{ "error": ... }` form.
 *
 * @module
 */

/** An error that maps to one HTTP status. */
export class HttpError extends Error {
  /**
   * @param status The HTTP status.
   * @param message What went wrong, naming the value.
   * @param headers Extra response headers (Retry-After, WWW-Authenticate).
   */
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * A JSON response.
 *
 * @param value The body, serialised with JSON.stringify.
 * @param status The status (default 200).
 * @param headers Extra headers.
 * @returns The response.
 * @example
 * ```ts
 * json({ live: true });
 * ```
 */
export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * A JSON error response: `{ "error": message }`.
 *
 * @param status The status.
 * @param message The message.
 * @param headers Extra headers.
 * @returns The response.
 * @example
 * ```ts
 * errorResponse(404, 'Unknown model "x"');
 * ```
 */
export function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json({ error: message }, status, headers);
}
