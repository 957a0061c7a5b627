/**
 * Static files (the demo page, the built bundle, the built-in model) with correct types and cache
 * headers. A path never leaves its folder: `..` and `.` segments, encoded slashes and backslashes and
 * NUL bytes are refused, and a symlink that resolves outside the folder is answered as missing.
 *
 * A file with a precompressed sibling (`name.br`, `name.gz`, as `npm run build` writes for dist/)
 * is sent compressed to a browser that accepts that encoding: onnxruntime-web's 27 MB wasm goes as
 * 5 MB of brotli. Nothing is compressed while serving (compressing blocks Deno's event loop).
 *
 * @module
 */

/** A URL prefix served from a folder. */
export interface StaticRoot {
  /** URL path prefix, starting and ending with "/" ("/dist/", or "/" for the site root). */
  prefix: string;
  /** The folder on disk. */
  dir: string;
  /** Cache-Control for its files (default "no-cache": revalidate with the ETag every time). */
  cacheControl?: string;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
  wasm: "application/wasm",
  onnx: "application/octet-stream",
  bin: "application/octet-stream",
  png: "image/png",
  jpg: "image/jpeg",
  svg: "image/svg+xml",
  ico: "image/x-icon",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
};

/** Why a static path was refused: the server answers 400 or 403. */
export class StaticPathError extends TypeError {
  constructor(readonly status: 400 | 403, message: string) {
    super(message);
    this.name = "StaticPathError";
  }
}

/**
 * The content type for a file name.
 *
 * @param name A file name or path.
 * @returns The MIME type (application/octet-stream when unknown).
 * @example
 * ```ts
 * contentType("ort-wasm-simd.wasm"); // "application/wasm"
 * ```
 */
export function contentType(name: string): string {
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}

/**
 * Splits a URL path (still percent-encoded) below a prefix into safe segments.
 *
 * @param rest The path after the prefix, percent-encoded.
 * @returns The decoded segments.
 * @example
 * ```ts
 * safeSegments("a/b%20c.js"); // ["a", "b c.js"]
 * ```
 */
export function safeSegments(rest: string): string[] {
  const segments: string[] = [];
  for (const raw of rest.split("/")) {
    if (raw === "") continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw new StaticPathError(400, `Cannot serve path: malformed percent-encoding in "${raw}"`);
    }
    if (seg === "." || seg === ".." || /[/\\\0]/.test(seg) || /^[a-zA-Z]:/.test(seg)) {
      throw new StaticPathError(403, `Cannot serve path: segment "${raw}" leaves the served folder`);
    }
    segments.push(seg);
  }
  return segments;
}

/** Whether a resolved path is the folder or lies under it. */
function inside(real: string, realRoot: string): boolean {
  return real === realRoot || real.startsWith(realRoot + "/");
}

async function realPathOrNull(path: string): Promise<string | null> {
  try {
    return await Deno.realPath(path);
  } catch {
    return null;
  }
}

/**
 * Serves a GET or HEAD for a static file under one of the roots, or returns null when no root's
 * prefix matches or the file does not exist.
 *
 * @param request The request (its If-None-Match is honoured).
 * @param rawPath The URL path as received, percent-encoded.
 * @param roots The served folders, most specific prefix first.
 * @returns The response, or null.
 * @example
 * ```ts
 * await serveStatic(request, url.pathname, [{ prefix: "/", dir: "demo" }]);
 * ```
 */
export async function serveStatic(
  request: Request,
  rawPath: string,
  roots: readonly StaticRoot[],
): Promise<Response | null> {
  if (/%00|\0/i.test(rawPath)) throw new StaticPathError(400, "Cannot serve path: NUL byte in path");
  for (const root of roots) {
    if (!rawPath.startsWith(root.prefix) && rawPath + "/" !== root.prefix) continue;
    const segments = safeSegments(rawPath.slice(root.prefix.length));
    const realRoot = await realPathOrNull(root.dir);
    if (realRoot === null) continue;
    let path = [realRoot, ...segments].join("/");
    let info = await Deno.stat(path).catch(() => null);
    if (info?.isDirectory) {
      path += "/index.html";
      info = await Deno.stat(path).catch(() => null);
    }
    if (!info?.isFile) continue;
    // A symlink inside the folder may point anywhere: what counts is where it resolves. Outside, the
    // file is answered as missing: a 403 would tell that it exists (`/etc/passwd` against `/etc/nope`).
    const real = await realPathOrNull(path);
    if (real === null || !inside(real, realRoot)) continue;
    const variants = await compressedVariants(real, info, realRoot);
    const accepted = acceptedEncodings(request.headers.get("accept-encoding"));
    const chosen = variants.find((v) => accepted.has(v.encoding));
    const sent = chosen ?? { path: real, info, encoding: "" };
    const stamp = `${sent.info.size.toString(16)}-${(sent.info.mtime?.getTime() ?? 0).toString(16)}`;
    const etag = `W/"${stamp}${sent.encoding && `-${sent.encoding}`}"`;
    const headers = new Headers({
      "content-type": contentType(real),
      "cache-control": root.cacheControl ?? "no-cache",
      "etag": etag,
      "x-content-type-options": "nosniff",
    });
    if (variants.length) headers.set("vary", "accept-encoding");
    if (chosen) headers.set("content-encoding", chosen.encoding);
    if (etagMatches(request.headers.get("if-none-match"), etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-length", String(sent.info.size));
    if (request.method === "HEAD") return new Response(null, { status: 200, headers });
    const file = await Deno.open(sent.path, { read: true });
    return new Response(file.readable, { status: 200, headers });
  }
  return null;
}

/**
 * Whether an `If-None-Match` header names an entity tag: a comma-separated list compared weakly (`W/`
 * ignored on either side, as RFC 9110 says for this header), or `*` for any.
 *
 * @param header The header, or null.
 * @param etag The file's entity tag.
 * @returns True when the client's copy is current (answer 304).
 * @example
 * ```ts
 * etagMatches('"a", W/"b"', 'W/"b"'); // true
 * ```
 */
export function etagMatches(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.trim() === "*" || header.split(",").some((tag) => opaque(tag) === opaque(etag));
}

/** Precompressed siblings, best first, with the `Content-Encoding` each is sent with. */
const ENCODINGS = [{ encoding: "br", suffix: ".br" }, { encoding: "gzip", suffix: ".gz" }] as const;

/**
 * The precompressed siblings of a file that may stand in for it: regular files, inside the served
 * folder (a symlink is followed to where it resolves), and no older than the file.
 */
async function compressedVariants(real: string, info: Deno.FileInfo, realRoot: string) {
  const found: { path: string; info: Deno.FileInfo; encoding: string }[] = [];
  for (const { encoding, suffix } of ENCODINGS) {
    const path = await realPathOrNull(real + suffix);
    if (path === null || !inside(path, realRoot)) continue;
    const variant = await Deno.stat(path).catch(() => null);
    if (!variant?.isFile || (variant.mtime?.getTime() ?? 0) < (info.mtime?.getTime() ?? 0)) continue;
    found.push({ path, info: variant, encoding });
  }
  return found;
}

/**
 * The content codings an `Accept-Encoding` header accepts (those with a q-value above 0; `*`
 * accepts every coding it does not name).
 *
 * @param header The header, or null.
 * @returns The accepted codings, lower case.
 * @example
 * ```ts
 * acceptedEncodings("gzip, br;q=0"); // Set { "gzip" }
 * ```
 */
export function acceptedEncodings(header: string | null): Set<string> {
  const accepted = new Set<string>(), refused = new Set<string>();
  let any = false;
  for (const part of (header ?? "").split(",")) {
    const [name, ...params] = part.split(";").map((p) => p.trim().toLowerCase());
    if (!name) continue;
    const q = params.find((p) => p.startsWith("q="));
    const ok = q === undefined || Number(q.slice(2)) > 0;
    if (name === "*") any = ok;
    else (ok ? accepted : refused).add(name);
  }
  if (any) { for (const { encoding } of ENCODINGS) if (!refused.has(encoding)) accepted.add(encoding); }
  return accepted;
}
