import { esbuildPlugin } from "@web/dev-server-esbuild";
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import { compile } from "svelte/compiler";
import { chromeLauncher } from "@web/test-runner-chrome";
import { a11ySnapshotPlugin } from "@web/test-runner-commands/plugins";
import { spawn } from "node:child_process";
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { createServer as createNetServer } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { heldAssets } from "./tests/component/held-assets.mjs";
import { testServers } from "./tests/component/test-servers.mjs";

const root = fileURLToPath(new URL(".", import.meta.url));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const types = {
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
  ".html": "text/html",
  ".map": "application/json",
};

/**
 * A second origin for the cross-origin test: serves only dist/ (with CORS, as a CDN would) and a few
 * bare HTML pages, on another port than the test pages.
 */
async function startDistServer() {
  const port = await freePort();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://127.0.0.1:${port}`);
    const headers = { "access-control-allow-origin": "*", "cache-control": "no-store" };
    // bare.html: the element with storage off; stored.html: with its default storage, for pages (a
    // sandboxed iframe) where the browser refuses storage; csp.html: storage off, under the
    // Content-Security-Policy the README gives site owners (?policy= replaces it). On each,
    // ?backend= sets the element's backend (wasm by default) and ?server= its server.
    const origin = `http://127.0.0.1:${port}`;
    const pages = {
      "/": { storageKey: "none" },
      "/bare.html": { storageKey: "none" },
      "/stored.html": { storageKey: "default" },
      "/csp.html": {
        storageKey: "none",
        csp: url.searchParams.get("policy") ??
          `script-src ${origin} 'wasm-unsafe-eval'; worker-src blob:; connect-src ${origin}; style-src ${origin}`,
      },
    };
    const page = pages[url.pathname];
    if (page) {
      const csp = page.csp ? { "content-security-policy": page.csp } : {};
      // ?server= sets the element's server attribute (HTML-escaped: it is the test's own URL).
      const server = url.searchParams.get("server");
      const serverAttribute = server
        ? ` server="${server.replaceAll("&", "&amp;").replaceAll('"', "&quot;")}"`
        : "";
      res.writeHead(200, { ...headers, ...csp, "content-type": "text/html" });
      res.end(`<!doctype html><html lang="en"><title>bare</title>
<script type="module" src="/latent-evolver.js"></script>
<script type="module" src="/report.js"></script>
<latent-evolver backend="${
        url.searchParams.get("backend") ?? "wasm"
      }"${serverAttribute} storage-key="${page.storageKey}" population="4" seed="7" prompt="a misty fjord" columns="3"></latent-evolver>`);
      return;
    }
    if (url.pathname === "/report.js") {
      // Tells the embedding test page (another origin) how the element fared. A file, not inline:
      // the CSP page allows no inline script.
      res.writeHead(200, { ...headers, "content-type": "text/javascript" });
      res.end(`const report = (type, detail) => parent.postMessage({ source: "bare", type, detail }, "*");
// Before the end is reported, a point is marked on the first image (Shift+click), which also selects
// it: the point and its region square get inline styles too, under the CSP page's style-src.
// The backends that failed before one started (le-backend), reported with the end.
let failures = [];
document.addEventListener("le-backend", (e) => (failures = e.detail.failures));
document.addEventListener("le-generation-end", (e) => {
  const button = e.target.shadowRoot.querySelector('[part~="image-button"]');
  const box = button.getBoundingClientRect();
  button.dispatchEvent(new MouseEvent("click", {
    bubbles: true, composed: true, shiftKey: true,
    clientX: box.left + box.width / 3, clientY: box.top + box.height / 3,
  }));
  setTimeout(() => report("end", { done: e.detail.done, points: e.target.shadowRoot.querySelectorAll('[part~="point"]').length, secure: isSecureContext, failures }), 300);
});
// With each error, once the element shows it, its details and whether it offers Try again.
document.addEventListener("le-error", async (e) => {
  await e.target.updateComplete.catch(() => {});
  report("error", { message: e.detail.message, details: e.detail.details, retry: !!e.target.shadowRoot.querySelector('[part~="retry"]') });
});
// A style the page's policy refused (an inline style attribute under style-src) is an error too.
document.addEventListener("securitypolicyviolation", (e) => {
  if (e.effectiveDirective.startsWith("style-src")) report("error", { message: "refused a style: " + e.effectiveDirective + " " + e.blockedURI });
});`);
      return;
    }
    const file = normalize(join(root, "dist", decodeURIComponent(url.pathname)));
    if (!file.startsWith(join(root, "dist")) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers).end("not found");
      return;
    }
    res.writeHead(200, { ...headers, "content-type": types[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${port}/` };
}

/** The token of the token-protected Deno server (`/__le/server.json?token=1`). */
const TEST_TOKEN = "le-test-token";

/**
 * The project's Deno inference servers, each started once, on demand, for the server-backend
 * tests: one open, one that wants {@link TEST_TOKEN} (`--token`).
 */
const denoServers = new Map();
function startDenoServer(token = "") {
  if (denoServers.has(token)) return denoServers.get(token);
  const main = join(root, "server", "main.ts");
  if (!existsSync(main)) {
    denoServers.set(token, Promise.resolve({ error: "server/main.ts does not exist yet" }));
    return denoServers.get(token);
  }
  const started = (async () => {
    const port = await freePort();
    const child = spawn(
      join(root, "node_modules", ".bin", "deno"),
      ["run", "-A", main, "--host", "127.0.0.1", "--port", String(port), "--origins", "*"],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LE_TOKEN: token || undefined } },
    );
    let log = "";
    child.stdout.on("data", (d) => (log += d));
    child.stderr.on("data", (d) => (log += d));
    const url = `http://127.0.0.1:${port}/`;
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) return { error: `the server exited: ${log.slice(-2000)}` };
      try {
        if ((await fetch(`${url}v2/health/ready`)).ok) return { url, child };
      } catch { /* not up yet */ }
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill();
    return { error: `the server did not become ready in 60 s: ${log.slice(-2000)}` };
  })();
  denoServers.set(token, started);
  return started;
}

/**
 * A proxy in front of the Deno server that a test can take down (it then drops every connection, as
 * a server that went away does) and bring back, started once, on demand. It can also hold infer
 * requests: with `pass` = n, the next n go through and later ones wait until `pass` is lifted, so a
 * test can stop a render after exactly n images, however fast the machine renders.
 */
let proxy = null;
function startProxy() {
  proxy ??= (async () => {
    const target = await startDenoServer();
    if (!target.url) return { error: target.error };
    const port = await freePort();
    const state = { down: false, pass: Infinity, held: [] };
    const server = createServer((req, res) => {
      if (state.down) return req.socket.destroy();
      res.on("error", () => {});
      const forward = () => {
        // A held request whose client gave up (a cancelled render) is not sent on.
        if (res.destroyed || req.socket.destroyed) return;
        const upstream = httpRequest(
          new URL(req.url, target.url),
          { method: req.method, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode, up.headers);
            up.pipe(res);
          },
        );
        upstream.on("error", () => res.destroy());
        req.pipe(upstream);
      };
      if (req.method === "POST" && req.url.endsWith("/infer")) {
        if (state.pass <= 0) return state.held.push(forward);
        state.pass--;
      }
      forward();
    });
    await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
    return { server, state, url: `http://127.0.0.1:${port}/` };
  })();
  return proxy;
}

/** esbuild loads .svelte files through Svelte's compiler. */
const sveltePlugin = {
  name: "svelte",
  setup(b) {
    b.onLoad({ filter: /\.svelte$/ }, async ({ path }) => ({
      contents: compile(await readFile(path, "utf8"), { filename: path, generate: "client" }).js.code,
      loader: "js",
    }));
  },
};

/** Apps the test server bundles with esbuild, each once, on first request, by name. */
const bundles = new Map();
function bundleOnce(name, options) {
  if (!bundles.has(name)) {
    const built = build({
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      target: "es2022",
      logLevel: "silent",
      ...options,
    });
    bundles.set(name, built.then((r) => r.outputFiles[0].text));
  }
  return bundles.get(name);
}

/**
 * The framework test apps (tests/component/frameworks/<name>.ts), each bundled with its framework:
 * React ships CommonJS only and Svelte components need compiling, neither of which the test server
 * does.
 */
function bundleFrameworkApp(name) {
  return bundleOnce(name, {
    entryPoints: [join(root, "tests", "component", "frameworks", `${name}.ts`)],
    plugins: [sveltePlugin],
    define: {
      "process.env.NODE_ENV": '"development"',
      __VUE_OPTIONS_API__: "true",
      __VUE_PROD_DEVTOOLS__: "false",
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
    },
  });
}

/**
 * An app that bundles the element as a bundler does (esbuild here): the element's code moves into
 * the app's own file, /__le/bundled/app.js, away from dist/'s worker, wasm and model.
 */
function bundleApp() {
  return bundleOnce("bundled", {
    stdin: { contents: 'export { LatentEvolverElement } from "./dist/latent-evolver.js";', resolveDir: root },
  });
}

/** Serves /__le/fixtures.json: where the helper servers are, for the component tests. */
function fixturesPlugin() {
  let dist = null;
  return {
    name: "latent-evolver-fixtures",
    async serverStart() {
      dist = await startDistServer();
    },
    async serverStop() {
      dist?.server.close();
      (await proxy)?.server?.close();
      for (const s of denoServers.values()) (await s)?.child?.kill();
    },
    async serve(context) {
      if (context.path === "/__le/dist-origin.json") {
        return { body: JSON.stringify({ url: dist.url }), type: "json" };
      }
      const app = /^\/__le\/frameworks\/(react|vue|svelte)\.js$/.exec(context.path);
      if (app) return { body: await bundleFrameworkApp(app[1]), type: "js" };
      if (context.path === "/__le/bundled/app.js") return { body: await bundleApp(), type: "js" };
      if (context.path === "/__le/proxy.json") {
        // ?down=1 takes it down, ?down=0 brings it back; &pass=n lets n more infer requests through
        // and holds the rest, and a call without it sends on those held.
        const p = await startProxy();
        if (p.state) {
          const pass = context.URL.searchParams.get("pass");
          p.state.down = context.URL.searchParams.get("down") === "1";
          p.state.pass = pass === null ? Infinity : Number(pass);
          if (p.state.pass === Infinity) { for (const forward of p.state.held.splice(0)) forward(); }
        }
        return { body: JSON.stringify({ url: p.url ?? null, error: p.error ?? null }), type: "json" };
      }
      if (context.path === "/__le/server.json") {
        // ?token=1: the server that wants a bearer token, which the answer gives.
        const token = context.URL.searchParams.get("token") === "1" ? TEST_TOKEN : "";
        const s = await startDenoServer(token);
        return { body: JSON.stringify({ url: s.url ?? null, token, error: s.error ?? null }), type: "json" };
      }
    },
  };
}

/** Browser suites run in Debian's Chromium; --enable-unsafe-webgpu gives a software WebGPU adapter. */
export default {
  files: ["tests/component/**/*.test.ts", "tests/models/**/*.browser.test.ts"],
  nodeResolve: true,
  middleware: [testServers(root), heldAssets(root)],
  // a11ySnapshot: what a screen reader gets (names, descriptions), from Chromium's accessibility tree.
  plugins: [esbuildPlugin({ ts: true, target: "es2022" }), fixturesPlugin(), a11ySnapshotPlugin()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
        headless: true,
        args: [
          "--no-sandbox",
          // A host name for the dist server that is not localhost: pages from it are not secure
          // contexts (no Web Crypto, Web Locks or Cache Storage), as a site on plain http is.
          "--host-resolver-rules=MAP insecure.test 127.0.0.1",
          "--enable-unsafe-webgpu",
          "--enable-features=Vulkan",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      },
    }),
  ],
  testFramework: { config: { timeout: 120000 } },
  browserStartTimeout: 60000,
  testsFinishTimeout: 600000,
  concurrency: 1,
};
