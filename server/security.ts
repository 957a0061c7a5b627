/**
 * Bearer-token checks in constant time, and CORS for configured origins only.
 *
 * @module
 */

const utf8 = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
}

/**
 * Compares a request's `Authorization` header with the expected token without leaking, through
 * timing, how much of it matched: both sides are hashed to 32 bytes first, so even the length is hidden,
 * and every byte is compared.
 *
 * @param header The `Authorization` header value (or null).
 * @param token The expected token.
 * @returns True when the header is exactly `Bearer <token>`.
 * @example
 * ```ts
 * await bearerMatches(request.headers.get("authorization"), "s3cret");
 * ```
 */
export async function bearerMatches(header: string | null, token: string): Promise<boolean> {
  const given = header ?? "";
  const [a, b] = await Promise.all([digest(given), digest(`Bearer ${token}`)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Request headers a cross-origin client may send. */
const ALLOW_HEADERS = "authorization, content-type, inference-header-content-length";

/**
 * Whether a request's `Origin` may use the API: same origin, or listed (`*` allows all).
 *
 * @param origin The `Origin` header (null for non-browser clients, which CORS does not concern).
 * @param selfOrigin The server's own origin as the request saw it.
 * @param allowed The configured origins.
 * @returns True when allowed.
 * @example
 * ```ts
 * originAllowed("https://a.example", "http://127.0.0.1:8000", ["https://a.example"]); // true
 * ```
 */
export function originAllowed(
  origin: string | null,
  selfOrigin: string,
  allowed: readonly string[],
): boolean {
  return origin === null || origin === selfOrigin || allowed.includes("*") || allowed.includes(origin);
}

/**
 * The CORS response headers for an allowed cross-origin request (none for same-origin ones).
 *
 * @param origin The request's `Origin`.
 * @param selfOrigin The server's own origin.
 * @param preflight True for an OPTIONS preflight, which also gets the allowed methods and headers.
 * @returns Headers to add.
 * @example
 * ```ts
 * corsHeaders("https://a.example", "http://127.0.0.1:8000", false);
 * ```
 */
export function corsHeaders(
  origin: string | null,
  selfOrigin: string,
  preflight: boolean,
): Record<string, string> {
  if (origin === null || origin === selfOrigin) return {};
  const h: Record<string, string> = {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": "inference-header-content-length, retry-after",
    "vary": "Origin",
  };
  if (preflight) {
    h["access-control-allow-methods"] = "GET, HEAD, POST, OPTIONS";
    h["access-control-allow-headers"] = ALLOW_HEADERS;
    h["access-control-max-age"] = "600";
  }
  return h;
}
