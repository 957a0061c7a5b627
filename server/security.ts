/**
 * Bearer-token checks in constant time, CORS for configured origins only, and the `Host` guard
 * against DNS rebinding.
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
 * @returns True when the header is `Bearer <token>` (the scheme in any case).
 * @example
 * ```ts
 * await bearerMatches(request.headers.get("authorization"), "s3cret");
 * ```
 */
export async function bearerMatches(header: string | null, token: string): Promise<boolean> {
  // The scheme is case-insensitive (RFC 9110); only the token is secret.
  const given = /^bearer /i.test(header ?? "") ? header!.slice(7) : "";
  const [a, b] = await Promise.all([digest(given), digest(token)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Request headers a cross-origin client may send. */
const ALLOW_HEADERS = "authorization, content-type, inference-header-content-length";

/**
 * Whether an `Origin` is the server's own page: the same host (with port) as the request's `Host`.
 * The scheme is not compared: behind a TLS proxy the page is `https://` while the server, which
 * speaks plain HTTP to the proxy, sees its requests as `http://`.
 *
 * @param origin The `Origin` header.
 * @param selfHost The request's host (`url.host`).
 * @returns True for the server's own pages.
 * @example
 * ```ts
 * sameHost("https://evolver.example", "evolver.example"); // true
 * ```
 */
export function sameHost(origin: string | null, selfHost: string): boolean {
  if (origin === null) return false;
  try {
    return new URL(origin).host === selfHost;
  } catch {
    return false; // "null" (a sandboxed page) or garbage
  }
}

/**
 * Whether a request's `Origin` may use the API: same host, or listed (`*` allows all).
 *
 * @param origin The `Origin` header (null for non-browser clients, which CORS does not concern).
 * @param selfHost The request's host, see {@link sameHost}.
 * @param allowed The configured origins.
 * @returns True when allowed.
 * @example
 * ```ts
 * originAllowed("https://a.example", "127.0.0.1:8000", ["https://a.example"]); // true
 * ```
 */
export function originAllowed(
  origin: string | null,
  selfHost: string,
  allowed: readonly string[],
): boolean {
  return origin === null || sameHost(origin, selfHost) || allowed.includes("*") || allowed.includes(origin);
}

/**
 * The CORS response headers for an allowed cross-origin request (none for same-origin ones; the
 * caller adds `Vary: Origin` to every response when other origins are allowed).
 *
 * @param origin The request's `Origin`.
 * @param selfHost The request's host, see {@link sameHost}.
 * @param preflight True for an OPTIONS preflight, which also gets the allowed methods and headers.
 * @returns Headers to add.
 * @example
 * ```ts
 * corsHeaders("https://a.example", "127.0.0.1:8000", false);
 * ```
 */
export function corsHeaders(
  origin: string | null,
  selfHost: string,
  preflight: boolean,
): Record<string, string> {
  if (origin === null || sameHost(origin, selfHost)) return {};
  const h: Record<string, string> = {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": "inference-header-content-length, retry-after",
  };
  if (preflight) {
    h["access-control-allow-methods"] = "GET, HEAD, POST, OPTIONS";
    h["access-control-allow-headers"] = ALLOW_HEADERS;
    h["access-control-max-age"] = "600";
  }
  return h;
}

/**
 * A host as `url.hostname` spells it (lower case, punycode, IPv6 in brackets), without a trailing dot.
 *
 * @throws TypeError when it is no host.
 */
function urlHostname(host: string): string {
  return new URL(`http://${host}/`).hostname.replace(/\.$/, "");
}

/** Whether a host name is an IP literal (`URL` normalises IPv4 to dotted form and brackets IPv6). */
function isIpLiteral(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.startsWith("[");
}

/**
 * Whether a request's host name may be served. This guards against DNS rebinding: a page on any site
 * can point its own domain's DNS at 127.0.0.1 and then reach a loopback server as its own origin (the
 * `Host` and `Origin` then agree, so CORS does not stop it). The attacker's domain shows in `Host`, so
 * a server that answers only names it knows is out of reach. IP literals and `localhost` (which
 * browsers resolve to loopback themselves) are always allowed; other names must be listed, exactly or
 * as `.domain` for the domain and its subdomains; `*` allows any.
 *
 * @param hostname The request's host name, without port (`url.hostname`).
 * @param allowed The configured names.
 * @returns True when the host may be served.
 * @example
 * ```ts
 * hostAllowed("evolver.example", [".example"]); // true
 * hostAllowed("rebind.attacker.example", ["evolver.example"]); // false
 * ```
 */
export function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (isIpLiteral(name) || name === "localhost" || name.endsWith(".localhost")) return true;
  return allowed.some((a) => {
    const entry = a.toLowerCase();
    return entry === "*" || entry === name ||
      (entry.startsWith(".") && (name.endsWith(entry) || name === entry.slice(1)));
  });
}

/**
 * The host names a server listening on `host` answers by default: on a loopback address only IP
 * literals and `localhost` (nothing else can reach it but a proxy, which is then told with
 * `--allowed-hosts`, or a DNS rebinding attack); on any other address any name.
 *
 * @param host The address the server listens on.
 * @returns The default for `--allowed-hosts`.
 * @example
 * ```ts
 * defaultAllowedHosts("127.0.0.1"); // []
 * ```
 */
export function defaultAllowedHosts(host: string): string[] {
  return isLoopback(host) ? [] : ["*"];
}

/**
 * Whether a listening address is loopback only, in any of its spellings (`::1`,
 * `0:0:0:0:0:0:0:1`, `::ffff:127.0.0.1`, `localhost.`).
 *
 * @param host The address the server listens on.
 * @returns True for a loopback address or name.
 * @example
 * ```ts
 * isLoopback("0:0:0:0:0:0:0:1"); // true
 * ```
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  let name: string;
  try {
    name = urlHostname(bare.includes(":") ? `[${bare}]` : bare);
  } catch {
    return false;
  }
  return name === "localhost" || name.endsWith(".localhost") || /^127\./.test(name) || name === "[::1]" ||
    /^\[::ffff:7f[0-9a-f]{2}:/.test(name);
}

/**
 * Normalises an `--allowed-hosts` entry as `url.hostname` spells names (lower case, punycode), so a
 * Unicode or upper-case name matches; `*` and `.domain` keep their meaning.
 *
 * @param entry The entry as given.
 * @returns The entry to match against.
 * @throws TypeError for a URL, a port, or a `*.domain` pattern (written `.domain` here).
 * @example
 * ```ts
 * normaliseHostEntry("Bücher.example"); // "xn--bcher-kva.example"
 * ```
 */
export function normaliseHostEntry(entry: string): string {
  if (entry === "*") return entry;
  if (entry.startsWith("*.")) {
    throw new TypeError(
      `"${entry}" is a pattern; write "${entry.slice(1)}" for the domain and its subdomains`,
    );
  }
  const dot = entry.startsWith(".") ? "." : "";
  const name = entry.slice(dot.length);
  // Scheme, port, user or path: a URL's, not a host name (`new URL` would read past them).
  if (!/[/:@\s]/.test(name.replace(/^\[.*\]$/, ""))) {
    try {
      return dot + urlHostname(name);
    } catch { /* below */ }
  }
  throw new TypeError(`"${entry}" is not a host name (give it without scheme or port)`);
}
