// Test server routes (web-test-runner.config.mjs), for backends.test.ts and model-cache.test.ts:
// `/__le/refusing/...` refuses this page's origin, as server/handler.ts answers one;
// `/__le/spa/...` answers every path with an HTML page and 200, as a single-page app's host does;
// `/__le/stale/model.bin` answers as a stale HTTP cache would, unless asked past it;
// `/__le/versioned/manifest` is the built-in model's manifest naming its file at
// `?v=<version>`, a new version after each `/__le/versioned/next`, as a site publishing new files
// (no extension in the path: web-test-runner lets browsers cache such files for a year);
// `/__le/model/manifest?<query>` is the built-in model's manifest without its size and hash, its file
// at `/__le/model/file?<query>`, which serves the built-in model (with `Vary: *`, which Cache Storage
// refuses, when the query has `vary`) and counts its downloads by query, read at
// `/__le/model/downloads?<query>`.
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The routes' middleware.
 *
 * @param {string} root The repository's root.
 * @returns {(context: import("koa").Context, next: () => Promise<void>) => Promise<void>} The middleware.
 */
export function testServers(root) {
  const versioned = { version: 1 };
  const modelDownloads = new Map();
  return async (context, next) => {
    if (context.path === "/__le/model/manifest") {
      const manifest = JSON.parse(await readFile(join(root, "models", "builtin", "manifest.json"), "utf8"));
      manifest.files.decoder = { path: `/__le/model/file?${context.querystring}`, dtype: "float32" };
      context.type = "json";
      context.body = JSON.stringify(manifest);
      return;
    }
    if (context.path === "/__le/model/file") {
      modelDownloads.set(context.querystring, (modelDownloads.get(context.querystring) ?? 0) + 1);
      context.type = "application/octet-stream";
      if ("vary" in context.query) context.set("vary", "*");
      context.body = await readFile(join(root, "models", "builtin", "model.onnx"));
      return;
    }
    if (context.path === "/__le/model/downloads") {
      context.type = "json";
      context.body = JSON.stringify(modelDownloads.get(context.querystring) ?? 0);
      return;
    }
    if (context.path === "/__le/versioned/next") {
      versioned.version++;
      context.type = "json";
      context.body = JSON.stringify(versioned);
      return;
    }
    if (context.path === "/__le/versioned/manifest") {
      const manifest = JSON.parse(await readFile(join(root, "models", "builtin", "manifest.json"), "utf8"));
      manifest.files.decoder.path = `/models/builtin/model.onnx?v=${versioned.version}`;
      context.type = "json";
      context.body = JSON.stringify(manifest);
      return;
    }
    if (context.path === "/__le/stale/model.bin") {
      // As a browser's HTTP cache holding a file from before it changed: 10 old bytes, unless the
      // request goes past the cache (fetch's cache: "reload" sends Cache-Control: no-cache), then 20.
      const past = /no-cache/.test(context.get("cache-control"));
      context.status = 200;
      context.type = "application/octet-stream";
      context.body = Buffer.alloc(past ? 20 : 10, past ? 2 : 1);
      return;
    }
    if (context.path.startsWith("/__le/spa/")) {
      context.status = 200;
      context.type = "html";
      context.body = "<!doctype html><title>App</title><div id=app></div>";
      return;
    }
    if (!context.path.startsWith("/__le/refusing/")) return next();
    context.status = 403;
    context.type = "json";
    const origin = context.get("origin") || "null";
    context.body = JSON.stringify({ error: `Cannot serve origin "${origin}": not in the allowed origins` });
  };
}
