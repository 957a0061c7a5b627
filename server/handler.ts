/**
 * The server as a pure `(Request) => Promise<Response>`: the Open Inference Protocol routes, /metrics,
 * static files, CORS and the bearer token. `main.ts` only binds it to a socket, so tests and other
 * hosts can drive it directly.
 *
 * @module
 */
import { HEADER_LENGTH_HEADER } from "../core/wire.ts";
import { Batcher, QueueFullError, RequestTooLargeError } from "./batcher.ts";
import { BodyTooLargeError, readBodyLimited } from "./body.ts";
import { errorResponse, HttpError, json } from "./http.ts";
import { decodeInfer, encodeImages, modelMetadata, type ParsedInfer } from "./infer.ts";
import { Metrics } from "./metrics.ts";
import type { RgbaImage, ServedModel } from "./model.ts";
import { bearerMatches, corsHeaders, hostAllowed, originAllowed, sameHost } from "./security.ts";
import { serveStatic, StaticPathError, type StaticRoot } from "./static.ts";

/** Handler configuration; every limit has a default. */
export interface HandlerOptions {
  /** The models served, by name. */
  models: readonly ServedModel[];
  /** Most latents per request and per batch (default 16). */
  maxBatch?: number;
  /** Most latents waiting over all models before 503 (default 256). */
  maxQueue?: number;
  /**
   * How long an idle model waits for more requests before starting a batch, in ms (default 0, as
   * Triton's dynamic batcher: requests that arrive while a batch runs merge into the next one anyway).
   */
  windowMs?: number;
  /** False: one request per generate() call (default true). */
  batching?: boolean;
  /**
   * Most request body bytes (default 64 MiB). Bodies being read at once hold at most 8 times this
   * (a body counts for its Content-Length, or for the limit when it has none); past it, 503.
   */
  maxBodyBytes?: number;
  /** Infer requests that take longer are cancelled and answered 504 (default 60 s). */
  requestTimeoutMs?: number;
  /** Most prompt bytes (default 2048). */
  maxPromptBytes?: number;
  /** When set, /v2 routes except health (server and model ready) and /metrics need `Authorization: Bearer <token>`. */
  token?: string;
  /** Other origins allowed by CORS ("*" for any); the server's own origin always is. */
  allowedOrigins?: readonly string[];
  /**
   * Host names served besides IP literals and `localhost` (default `["*"]`, any); see
   * {@link hostAllowed}. Other names get 403: the guard against DNS rebinding.
   */
  allowedHosts?: readonly string[];
  /** Static folders, most specific prefix first. */
  staticRoots?: readonly StaticRoot[];
  /** Seconds a 503 asks the client to wait (default 1). */
  retryAfterSeconds?: number;
  /** Structured log sink, one record per request. */
  log?: (record: Record<string, unknown>) => void;
  /** Called with each error answered 500 (the server's fault, never the client's), for the error log. */
  onError?: (error: unknown, request: { method: string; path: string }) => void;
}

/** A handler and the state it exposes to its host. */
export interface Handler {
  /** Answers one request. */
  handle(request: Request): Promise<Response>;
  /** Its metrics. */
  metrics: Metrics;
  /** Its queue. */
  batcher: Batcher;
  /** Marks the server as draining: ready turns false and new infer requests get 503. */
  drain(): void;
}

const MODEL_ROUTE = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/infer|\/ready)?$/;
const INFER_TYPES = ["application/json", "application/octet-stream"];

/**
 * Builds the request handler.
 *
 * @param options Models, limits and security settings.
 * @returns The handler.
 * @throws TypeError when two models have the same name.
 * @example
 * ```ts
 * const { handle } = createHandler({ models: [model], token: Deno.env.get("TOKEN") });
 * Deno.serve({ hostname: "127.0.0.1", port: 8000 }, handle);
 * ```
 */
export function createHandler(options: HandlerOptions): Handler {
  const o = {
    maxBatch: 16,
    maxQueue: 256,
    windowMs: 0,
    batching: true,
    maxBodyBytes: 64 << 20,
    requestTimeoutMs: 60_000,
    maxPromptBytes: 2048,
    allowedOrigins: [] as readonly string[],
    allowedHosts: ["*"] as readonly string[],
    staticRoots: [] as readonly StaticRoot[],
    retryAfterSeconds: 1,
    ...options,
  };
  const models = new Map<string, ServedModel>();
  for (const m of o.models) {
    // A second model under a name would hide the first, silently: two folders whose manifests share
    // a name, or a folder named as another model is (each model is also served by its folder's name).
    if (models.has(m.name)) {
      throw new TypeError(
        `Cannot serve two models named "${m.name}": give each model folder a manifest name and a folder name no other model has`,
      );
    }
    models.set(m.name, m);
  }
  const metrics = new Metrics();
  const batcher = new Batcher({
    maxBatch: o.maxBatch,
    maxQueue: o.maxQueue,
    windowMs: o.windowMs,
    batching: o.batching,
    onBatch: (latents, requests) => metrics.batch(latents, requests),
  });
  let draining = false;
  /** Bytes reserved by the request bodies being read now (see `maxBodyBytes`). */
  let buffering = 0;

  async function authorize(request: Request): Promise<void> {
    if (o.token === undefined) return;
    if (!(await bearerMatches(request.headers.get("authorization"), o.token))) {
      throw new HttpError(401, "Cannot authorize: missing or wrong bearer token", {
        "www-authenticate": 'Bearer realm="latent-evolver"',
      });
    }
  }

  function findModel(name: string): ServedModel {
    let decoded = name;
    try {
      decoded = decodeURIComponent(name);
    } catch { /* keep it raw: it will not match */ }
    const model = models.get(decoded);
    if (!model) throw new HttpError(404, `Unknown model "${decoded}"`);
    return model;
  }

  async function infer(request: Request, model: ServedModel): Promise<Response> {
    if (draining) {
      throw new HttpError(503, "Cannot infer: the server is shutting down", {
        "retry-after": String(o.retryAfterSeconds),
      });
    }
    const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "" && !INFER_TYPES.includes(type)) {
      throw new HttpError(415, `Cannot infer: content type "${type}" is not ${INFER_TYPES.join(" or ")}`);
    }
    // A compressed body would be read as malformed JSON: say what is wrong (RFC 7694: 415 and
    // Accept-Encoding). Decompressing would need the size limit counted on the decompressed bytes.
    const encodings = (request.headers.get("content-encoding") ?? "").split(",")
      .map((e) => e.trim().toLowerCase()).filter((e) => e !== "" && e !== "identity");
    if (encodings.length) {
      throw new HttpError(
        415,
        `Cannot infer: content encoding "${
          encodings.join(", ")
        }" is not supported; send the body uncompressed`,
        { "accept-encoding": "identity" },
      );
    }
    // A body counts for its Content-Length, or for the limit when it has none, until it is decoded.
    const declared = Number(request.headers.get("content-length") ?? NaN);
    let reserved = Number.isFinite(declared) && declared >= 0
      ? Math.min(declared, o.maxBodyBytes)
      : o.maxBodyBytes;
    if (buffering + reserved > 8 * o.maxBodyBytes) {
      throw new HttpError(
        503,
        `Cannot infer: ${buffering} bytes of request bodies are being read, the most is ${
          8 * o.maxBodyBytes
        }`,
        { "retry-after": String(o.retryAfterSeconds) },
      );
    }
    buffering += reserved;
    const release = () => {
      buffering -= reserved;
      reserved = 0;
    };
    // Our own controller, unlinked once answered: Deno aborts request.signal after every response.
    // The timeout covers the upload too, so a slow client cannot hold a request open for ever.
    const controller = new AbortController();
    let timedOut = false;
    const onGone = () => controller.abort(request.signal.reason);
    request.signal.addEventListener("abort", onGone, { once: true });
    // A client gone before the listener was added (while authorize() hashed the token) fires nothing.
    if (request.signal.aborted) onGone();
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException("Request timed out", "TimeoutError"));
    }, o.requestTimeoutMs);
    try {
      let body: Uint8Array;
      try {
        body = await readBodyLimited(request, o.maxBodyBytes, controller.signal);
      } catch (e) {
        if (timedOut) {
          throw new HttpError(408, `Cannot read request body: not received within ${o.requestTimeoutMs} ms`);
        }
        if (e instanceof BodyTooLargeError) throw e;
        // A client that leaves mid-upload is not a server error (a 5xx alert would fire on it).
        if (request.signal.aborted) {
          throw new HttpError(499, "Cannot read request body: the client went away");
        }
        // Deno does not always abort the signal for a connection closed or reset mid-body, nor for a
        // body cut short: either way the request is incomplete, the client's doing.
        throw new HttpError(
          400,
          `Cannot read request body: incomplete request body (${(e as Error)?.message ?? e})`,
        );
      }
      const parsed = decodeInfer(body, request.headers.get(HEADER_LENGTH_HEADER), model, o);
      // The body is decoded: what waits now is counted by the queue (its latents).
      release();
      const images = await run(request, model, parsed, controller.signal, () => timedOut);
      const { body: out, headers } = await encodeImages(model, parsed, images);
      return new Response(out, { status: 200, headers });
    } finally {
      release();
      clearTimeout(timer);
      request.signal.removeEventListener("abort", onGone);
    }
  }

  async function run(
    request: Request,
    model: ServedModel,
    parsed: ParsedInfer,
    signal: AbortSignal,
    timedOut: () => boolean,
  ): Promise<RgbaImage[]> {
    try {
      return await batcher.submit(model, parsed.prompt, parsed.latents, signal);
    } catch (e) {
      if (e instanceof QueueFullError) {
        throw new HttpError(503, e.message, { "retry-after": String(o.retryAfterSeconds) });
      }
      if (e instanceof RequestTooLargeError) throw new HttpError(400, e.message);
      if (timedOut()) throw new HttpError(504, `Cannot infer: timed out after ${o.requestTimeoutMs} ms`);
      if (request.signal.aborted) throw new HttpError(499, "Cannot infer: the client went away");
      // A failure inside the model is the server's, whatever its class.
      throw new HttpError(500, `Cannot infer with model "${model.name}": ${(e as Error)?.message ?? e}`);
    }
  }
  async function route(request: Request, url: URL): Promise<[string, Response]> {
    const path = url.pathname;
    const method = request.method;
    const get = method === "GET" || method === "HEAD";
    const getOnly = () => {
      if (!get) throw new HttpError(405, `Cannot ${method} ${path}: use GET`, { allow: "GET, HEAD" });
    };
    // A plain OPTIONS (not a CORS preflight, which handle() answers) asks what a route allows.
    const allowed = (
      allow: string,
    ): [string, Response] => ["options", new Response(null, { status: 204, headers: { allow } })];
    if (["/v2/health/live", "/v2/health/ready", "/metrics", "/v2", "/v2/"].includes(path)) {
      if (method === "OPTIONS") return allowed("GET, HEAD");
      getOnly();
    }
    if (path === "/v2/health/live") return ["live", json({ live: true })];
    if (path === "/v2/health/ready") {
      // A model that cannot serve makes the whole instance unready, so a load balancer moves away.
      const down = [...models.values()].filter((m) => m.healthy?.() === false).map((m) => m.name);
      const ready = !draining && models.size > 0 && down.length === 0;
      return ["ready", json({ ready, ...(down.length ? { unhealthy: down } : {}) }, ready ? 200 : 503)];
    }
    if (path === "/metrics") {
      await authorize(request);
      const text = metrics.render({ queueDepth: batcher.depth, inFlight: batcher.active });
      return ["metrics", new Response(text, { headers: { "content-type": "text/plain; version=0.0.4" } })];
    }
    if (path === "/v2" || path === "/v2/") {
      await authorize(request);
      return [
        "server",
        json({ name: "latent-evolver", version: "0.1.0", extensions: ["binary_tensor_data"] }),
      ];
    }
    const m = MODEL_ROUTE.exec(path);
    if (m) {
      // A model's ready route is a health check, as KServe counts it: a load balancer has no token.
      if (m[3] !== "/ready") await authorize(request);
      const model = findModel(m[1]);
      if (m[2] !== undefined && m[2] !== model.version) {
        throw new HttpError(404, `Unknown version "${m[2]}" of model "${model.name}"`);
      }
      if (method === "OPTIONS") return allowed(m[3] === "/infer" ? "POST" : "GET, HEAD");
      if (m[3] === "/infer") {
        if (method !== "POST") {
          throw new HttpError(405, `Cannot ${method} ${path}: use POST`, { allow: "POST" });
        }
        return ["infer", await infer(request, model)];
      }
      getOnly();
      if (m[3] === "/ready") {
        const ready = !draining && model.healthy?.() !== false;
        return ["model_ready", json({ name: model.name, ready }, ready ? 200 : 503)];
      }
      return ["model", json(modelMetadata(model, o.maxBatch))];
    }
    if (path.startsWith("/v2/")) throw new HttpError(404, `Unknown route ${path}`);
    if (get) {
      const res = await serveStatic(request, path, o.staticRoots);
      if (res) return ["static", res];
    } else if (await serveStatic(new Request(url, { method: "HEAD" }), path, o.staticRoots)) {
      if (method === "OPTIONS") return allowed("GET, HEAD");
      throw new HttpError(405, `Cannot ${method} ${path}: a static file, use GET`, { allow: "GET, HEAD" });
    }
    return ["other", errorResponse(404, `Not found: ${path}`)];
  }

  async function handle(request: Request): Promise<Response> {
    const start = performance.now();
    let url: URL;
    try {
      url = new URL(request.url); // Deno builds it from the Host header, which may be anything
    } catch {
      const host = request.headers.get("host");
      metrics.request("host", 400, (performance.now() - start) / 1000);
      return errorResponse(
        400,
        `Cannot read the request's Host header ${JSON.stringify(host)}: not a host name`,
      );
    }
    const origin = request.headers.get("origin");
    let label = "other";
    let response: Response;
    if (!hostAllowed(url.hostname, o.allowedHosts)) {
      label = "host";
      response = errorResponse(
        403,
        `Cannot serve host "${url.hostname}": not an allowed host name (a guard against DNS rebinding); ` +
          `if the name is yours, start the server with --allowed-hosts ${url.hostname}`,
      );
    } else if (!originAllowed(origin, url.host, o.allowedOrigins)) {
      label = "cors";
      response = errorResponse(403, `Cannot serve origin "${origin}": not in the allowed origins`);
    } else if (
      request.method === "OPTIONS" && origin !== null && request.headers.has("access-control-request-method")
    ) {
      label = "preflight";
      response = new Response(null, { status: 204, headers: corsHeaders(origin, url.host, true) });
    } else {
      try {
        [label, response] = await route(request, url);
      } catch (e) {
        response = toErrorResponse(e);
        label = routeLabel(url.pathname);
        if (response.status === 500) o.onError?.(e, { method: request.method, path: url.pathname });
      }
      for (const [k, v] of Object.entries(corsHeaders(origin, url.host, false))) response.headers.set(k, v);
    }
    // A page refused for its origin or host may still read why (the error names the flag to set),
    // rather than see a network error; the request itself was not served. A refused preflight stays
    // unreadable: the browser then sends nothing.
    const refused = label === "cors" || label === "host";
    if (refused && request.method !== "OPTIONS" && origin !== null && !sameHost(origin, url.host)) {
      response.headers.set("access-control-allow-origin", origin);
    }
    // Answers differ by Origin (Access-Control-Allow-Origin or not) once other origins are allowed:
    // a shared cache must not give one origin's answer to another. Appended: static files vary by
    // Accept-Encoding too.
    if (o.allowedOrigins.length) response.headers.append("vary", "Origin");
    const seconds = (performance.now() - start) / 1000;
    metrics.request(label, response.status, seconds);
    o.log?.({
      msg: "request",
      method: request.method,
      path: url.pathname,
      status: response.status,
      ms: Math.round(seconds * 1000 * 10) / 10,
    });
    return response;
  }

  return { handle, metrics, batcher, drain: () => void (draining = true) };
}

function routeLabel(path: string): string {
  if (path.startsWith("/v2/models/")) return path.endsWith("/infer") ? "infer" : "model";
  if (path.startsWith("/v2")) return "server";
  return path === "/metrics" ? "metrics" : "static";
}

function toErrorResponse(e: unknown): Response {
  if (e instanceof HttpError) return errorResponse(e.status, e.message, e.headers);
  if (e instanceof BodyTooLargeError) return errorResponse(413, e.message);
  if (e instanceof StaticPathError) return errorResponse(e.status, e.message);
  // Bad input was turned into HttpError where it was read (decodeInfer): anything else is ours.
  const message = e instanceof Error ? e.message : String(e);
  return errorResponse(500, `Internal error: ${message}`);
}
