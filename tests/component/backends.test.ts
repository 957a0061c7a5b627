// Each backend path in Chromium: WebGPU on the software adapter (chosen, since auto passes it over),
// wasm when WebGPU is absent (the registry's fallback, with navigator.gpu removed), the server backend against the real Deno server,
// and the one error naming every failure when nothing can run the model (the element on
// backend=server: server-element.test.ts).
import { assert, cleanup, mount, settle, shadow, tiles, uniqueKey, waitForEvent } from "./helpers.ts";
import type { BackendEvent } from "../../component/events.ts";
import { BackendRegistry, type NoBackendCause } from "../../component/backends/registry.ts";
import { wasmBackend, webgpuBackend } from "../../component/backends/onnx.ts";
import { checkMetadata, serverBackend } from "../../component/backends/server.ts";
import type { BackendContext } from "../../component/backends/types.ts";
import { loadManifest } from "../../core/manifest.ts";
import { createRng, randomLatent } from "../../core/mod.ts";

afterEach(cleanup);

const manifestUrl = new URL("/models/builtin/manifest.json", location.href).href;

async function context(server = ""): Promise<BackendContext> {
  return {
    manifest: await loadManifest(manifestUrl),
    manifestUrl,
    server,
    wasmBase: new URL("/node_modules/onnxruntime-web/dist/", location.href).href,
    loadFile: async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer()),
  };
}

/**
 * Runs `f` with `navigator.gpu` removed, as on a browser without WebGPU, given a registry of every
 * backend in the element's order and a context; puts `navigator.gpu` back afterwards.
 */
async function withoutWebGpu(
  f: (registry: BackendRegistry, ctx: BackendContext) => Promise<void>,
): Promise<void> {
  const gpu = Object.getOwnPropertyDescriptor(Navigator.prototype, "gpu");
  Object.defineProperty(Navigator.prototype, "gpu", { configurable: true, get: () => undefined });
  try {
    const registry = new BackendRegistry().register(webgpuBackend).register(serverBackend).register(
      wasmBackend,
    );
    await f(registry, await context());
  } finally {
    if (gpu) Object.defineProperty(Navigator.prototype, "gpu", gpu);
  }
}

function varied(data: Uint8ClampedArray): boolean {
  for (let i = 4; i < data.length; i += 4) if (data[i] !== data[0]) return true;
  return false;
}

describe("backends", () => {
  it("auto passes over Chromium's software WebGPU adapter for wasm, saying why; backend=webgpu still uses it", async () => {
    const events: BackendEvent[] = [];
    const on = (e: Event) => events.push(e as BackendEvent);
    document.addEventListener("le-backend", on);
    try {
      const auto = await mount({ population: "2", seed: "5", prompt: "a fjord", "storage-key": "none" });
      assert(auto.activeBackend === "wasm", `auto chose ${auto.activeBackend}`);
      const skipped = events[0]?.detail.failures.find((f) => f.backend === "webgpu");
      assert(
        /software fallback \(swiftshader\)/.test(skipped?.message ?? ""),
        JSON.stringify(events[0]?.detail),
      );
      auto.remove();
      // Rendering on SwiftShader takes 20-60 s (Chromium 156 on 2 cores), so this waits for the start.
      const el = await mount({
        backend: "webgpu",
        population: "2",
        seed: "5",
        prompt: "a fjord",
        "storage-key": "none",
      }, false);
      await waitForEvent(el, "le-backend");
      await settle(el);
      assert(el.activeBackend === "webgpu", `backend=webgpu ran ${el.activeBackend}`);
      assert(events[1]?.detail.backend === "webgpu", "no le-backend event naming webgpu");
      assert(events[1].detail.model === "builtin-landscape", `event names model ${events[1].detail.model}`);
      assert(shadow(el).textContent?.includes("Backend: webgpu"), "the UI does not say which backend runs");
      assert(tiles(el).length === 2, "not 2 tiles");
    } finally {
      document.removeEventListener("le-backend", on);
    }
  });

  it("falls back to wasm when WebGPU is absent, naming why each earlier backend failed", async () => {
    await withoutWebGpu(async (registry, ctx) => {
      const { backend, failures } = await registry.select("auto", ctx);
      assert(backend.name === "wasm", `chose ${backend.name}`);
      assert(failures.map((f) => f.backend).join() === "webgpu,server", JSON.stringify(failures));
      assert(/navigator\.gpu is missing/.test(failures[0].message), failures[0].message);
      const latents = [randomLatent(ctx.manifest.latentShape, createRng(1))];
      const [image] = await backend.generate(latents, "a desert sunset");
      assert(image.width === 256 && image.height === 256 && varied(image.data), "wasm made no real image");
      await backend.dispose();
    });
  });

  it("the element on backend=wasm reports wasm, and caches the model file in Cache Storage", async () => {
    const el = await mount({ backend: "wasm", population: "2", seed: "5", "storage-key": "none" });
    assert(el.activeBackend === "wasm", `backend ${el.activeBackend}`);
    const cache = await caches.open("latent-evolver-models-v1");
    const cached = await cache.match(new URL("/dist/models/builtin/model.onnx", location.href).href);
    assert(cached && (await cached.arrayBuffer()).byteLength > 0, "model.onnx is not in Cache Storage");
  });

  it("throws one error naming each failure when no backend can run the model", async () => {
    await withoutWebGpu(async (registry, ctx) => {
      const huge = { ...ctx.manifest, files: { decoder: { ...ctx.manifest.files.decoder, bytes: 2 ** 31 } } };
      let message = "", cause: NoBackendCause | undefined;
      try {
        await registry.select("auto", { ...ctx, manifest: huge });
      } catch (error) {
        message = (error as Error).message;
        cause = (error as Error).cause as NoBackendCause;
      }
      assert(/webgpu: .*navigator\.gpu/.test(message), `no webgpu reason in "${message}"`);
      assert(/server: no server attribute/.test(message), `no server reason in "${message}"`);
      assert(/wasm: .*too large .*server attribute/.test(message), `no wasm reason in "${message}"`);
      // None applied here, so none was tried: a start that fails so is no refusal by the page's policy.
      assert(cause?.skipped.join() === "webgpu,server,wasm", `passed over: ${cause?.skipped}`);
    });
  });

  it("auto does not try an SD-Turbo of unknown size on the CPU; an explicit wasm does", async () => {
    await withoutWebGpu(async (registry, ctx) => {
      const files = {
        text_encoder: { ...ctx.manifest.files.decoder, dtype: "float16" as const, bytes: undefined },
        unet: { ...ctx.manifest.files.decoder, dtype: "float16" as const, bytes: undefined },
        vae_decoder: { ...ctx.manifest.files.decoder, dtype: "float16" as const },
      };
      const unsized = { ...ctx.manifest, kind: "sd-turbo" as const, files };
      const error = await registry.select("auto", { ...ctx, manifest: unsized }).then(
        () => null,
        (e: Error) => e,
      );
      assert(
        error &&
          /wasm: .*gives no bytes.*set the server attribute .*backend="wasm" to try anyway/.test(
            error.message,
          ),
        String(error),
      );
      // Told to, it tries (and here fails on the stand-in files, past the size check).
      const explicit = await registry.select("wasm", { ...ctx, manifest: unsized }).then(
        () => null,
        (e: Error) => e,
      );
      assert(explicit && !/gives no bytes/.test(explicit.message), String(explicit));
    });
  });

  it("backend=server renders through the real Deno server, and matches wasm pixel for pixel", async () => {
    const { url, error } = await (await fetch("/__le/server.json")).json();
    assert(url, `the Deno server did not start: ${error}`);
    const el = await mount({
      backend: "server",
      server: url,
      population: "2",
      seed: "9",
      prompt: "a misty fjord",
      "storage-key": uniqueKey("server"),
    });
    assert(el.activeBackend === "server", `backend ${el.activeBackend}`);
    const ctx = await context(url);
    const latent = randomLatent(ctx.manifest.latentShape, createRng(4));
    const server = await serverBackend.create(ctx);
    const wasm = await wasmBackend.create(ctx);
    const [a] = await server.generate([latent], "a misty fjord");
    const [b] = await wasm.generate([latent], "a misty fjord");
    let maxDiff = 0;
    for (let i = 0; i < a.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - b.data[i]));
    assert(maxDiff <= 2, `server and wasm images differ by up to ${maxDiff}`);
    await wasm.dispose();
  });

  it("a server whose model of that name takes other latents, or that is no inference server, is refused at start", async () => {
    const { url, error } = await (await fetch("/__le/server.json")).json();
    assert(url, `the Deno server did not start: ${error}`);
    const ctx = await context(url);
    ctx.manifest = { ...ctx.manifest, latentShape: [4, 16, 16] };
    const other = await serverBackend.create(ctx).then(() => null, (e: Error) => e);
    assert(
      other &&
        /input "latents" has shape \[-1,4,32,32\], where the manifest wants \[-1,4,16,16\]/.test(
          other.message,
        ),
      String(other?.message),
    );
    const spa = await serverBackend.create(await context(new URL("/__le/spa/", location.href).href))
      .then(() => null, (e: Error) => e);
    assert(
      spa && /metadata with something that is not a JSON object .*<!doctype/.test(spa.message),
      String(spa?.message),
    );
  });

  it("checkMetadata() takes the latents' shape as KServe and Triton list it, and refuses another or no metadata", async () => {
    const { manifest } = await context();
    const meta = (shape: unknown) => JSON.stringify({ name: "m", inputs: [{ name: "latents", shape }] });
    const ok = [
      meta([-1, 4, 32, 32]),
      meta([1, 4, 32, 32]), // a fixed batch of one
      meta([4, 32, 32]), // Triton leaves the batch out of a model with a max batch size
      meta([-1, 4, -1, -1]),
      JSON.stringify({ name: "m", inputs: [{ name: "x", shape: [3] }] }), // no latents listed
      "{}",
    ];
    for (const text of ok) checkMetadata(text, manifest, "http://s/");
    const refused: [string, RegExp][] = [
      [
        meta([-1, 4, 64, 64]),
        /input "latents" has shape \[-1,4,64,64\], where the manifest wants \[-1,4,32,32\]/,
      ],
      [meta([4, 32]), /has shape \[4,32\]/],
      ["null", /metadata with something that is not a JSON object \("null"\)/],
      ["[1]", /not a JSON object/],
    ];
    for (const [text, message] of refused) {
      let error: Error | null = null;
      try {
        checkMetadata(text, manifest, "http://s/");
      } catch (e) {
        error = e as Error;
      }
      assert(
        error && message.test(error.message) && error.message.includes("http://s/"),
        `${text}: ${error}`,
      );
    }
  });

  it("a server that refuses the page is named with its own reason, not taken for one that wants a token", async () => {
    const ctx = await context(new URL("/__le/refusing/", location.href).href);
    const error = await serverBackend.create(ctx).then(() => null, (e: Error) => e);
    assert(
      error &&
        /refused the request \(HTTP 403: Cannot serve origin .* not in the allowed origins\)$/.test(
          error.message,
        ),
      String(error?.message),
    );
  });

  it("the server backend stops its other requests at the first failure: no image arrives after it", async () => {
    const { url, error } = await (await fetch("/__le/server.json")).json();
    assert(url, `the Deno server did not start: ${error}`);
    const ctx = await context(url);
    const rng = createRng(8);
    const latents = Array.from({ length: 12 }, () => randomLatent(ctx.manifest.latentShape, rng));
    latents[1].data[0] = NaN; // the server answers 400 to this one
    const server = await serverBackend.create(ctx);
    const shown: number[] = [];
    let failed = false, late = 0;
    const done = server.generate(latents, "a fjord", {
      onImage: (i) => {
        shown.push(i);
        if (failed) late++;
      },
    }).catch((e: Error) => {
      failed = true;
      return e;
    });
    const e = await done;
    assert(e instanceof Error && /NaN/.test(e.message), `expected the NaN refusal, got ${e}`);
    await new Promise((r) => setTimeout(r, 500));
    assert(late === 0, `${late} images arrived after the render failed (shown ${shown})`);
    assert(shown.length < 11, `every other image was still rendered: ${shown}`);
  });
});
