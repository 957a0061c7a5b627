// Each backend path in Chromium: WebGPU on the software adapter (chosen, since auto passes it over),
// wasm when WebGPU is absent (the registry's fallback, with navigator.gpu removed), the server backend against the real Deno server,
// and the one error naming every failure when nothing can run the model.
import {
  assert,
  cleanup,
  loadBundle,
  mount,
  serverProxy,
  settle,
  shadow,
  tiles,
  uniqueKey,
  until,
  waitForEvent,
} from "./helpers.ts";
import type { BackendEvent } from "../../component/events.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
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
      const el = await mount({
        backend: "webgpu",
        population: "2",
        seed: "5",
        prompt: "a fjord",
        "storage-key": "none",
      });
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

  it("server-token: a server that wants a token refuses the element without it, saying which attribute to set, and renders once it is set", async () => {
    const { url, token, error } = await (await fetch("/__le/server.json?token=1")).json();
    assert(url && token, `the token-protected Deno server did not start: ${error}`);
    const refused = waitForEvent<CustomEvent>(document, "le-error", () => true);
    const el = await mount({
      backend: "server",
      server: url,
      population: "2",
      seed: "6",
      "storage-key": "none",
    }, false);
    const message = (await refused).detail.message;
    assert(/HTTP 401.*server-token/.test(message), message);
    assert(!el.activeBackend, `rendered on ${el.activeBackend} without the token`);
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    el.setAttribute("server-token", token);
    await end;
    assert(el.activeBackend === "server", `backend ${el.activeBackend}`);
    // A token set as a property (as frameworks bind it) works the same, and a wrong one is refused.
    const wrong = waitForEvent<CustomEvent>(el, "le-error", () => true);
    el.serverToken = "not-the-token";
    assert(/HTTP 401/.test((await wrong).detail.message), "a wrong token was let in");
  });

  it("server-token written as serverToken in HTML (lowercased to servertoken, as a framework writes it before the element is defined or on the server) reaches the server; so do storageKey and mutationStrength", async () => {
    const { url, token, error } = await (await fetch("/__le/server.json?token=1")).json();
    assert(url && token, `the token-protected Deno server did not start: ${error}`);
    await loadBundle();
    const html = document.createElement("div");
    html.innerHTML = `<latent-evolver backend="server" server="${url}" serverToken="${token}" population="2"
      seed="6" storageKey="none" mutationStrength="2"></latent-evolver>`;
    const el = html.firstElementChild as LatentEvolverElement;
    assert(el.getAttribute("servertoken") === token, "HTML did not lowercase the attribute's name");
    const errors: string[] = [];
    el.addEventListener("le-error", (e) => errors.push(e.detail.message));
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled, 20000);
    document.body.append(el);
    await end.catch(() => assert(false, `no render with the token: ${errors.join("; ")}`));
    assert(el.activeBackend === "server" && errors.length === 0, `${el.activeBackend}: ${errors.join("; ")}`);
    assert(el.serverToken === token, `the serverToken property is ${el.serverToken}`);
    assert(
      el.storageKey === "none" && el.mutationStrength === "2",
      "storagekey or mutationstrength was lost",
    );
    // The kebab-case attribute, where both are written, is the one that counts.
    const wrong = waitForEvent<CustomEvent>(el, "le-error", () => true);
    el.setAttribute("server-token", "not-the-token");
    el.setAttribute("servertoken", token);
    assert(/HTTP 401/.test((await wrong).detail.message), "servertoken overrode server-token");
  });

  it("a render that fails because the server went away names the server; Try again renders it once it is back", async () => {
    const url = await serverProxy();
    try {
      const el = await mount({
        backend: "server",
        server: url,
        population: "2",
        seed: "4",
        "storage-key": "none",
      });
      await serverProxy({ down: true });
      const failed = waitForEvent<CustomEvent>(el, "le-error", () => true);
      tiles(el)[0].click();
      const evolved = el.evolve();
      // While the requests wait to be sent again, the status says so; the failure takes it away.
      const retrying = () => shadow(el).querySelector("[part~=server-retry]")?.textContent ?? "";
      await until(() => retrying() !== "", "the status to say the server is tried again");
      assert(
        /^The image server is not answering; trying again \([123] of 3\)…$/.test(retrying()),
        retrying(),
      );
      await evolved;
      const { message, details } = (await failed).detail;
      // Said in words: the page, of another origin, may be refused too; the fetch's error in details.
      const words =
        /^Rendering failed: the image server at http:\/\/127\.0\.0\.1:\d+ is not answering, or it refuses this page's origin \(its --origins setting\)\.$/;
      assert(words.test(message), message);
      assert(
        /The server http:\/\/127\.0\.0\.1:\d+ cannot be reached: .*; tried 4 times$/.test(details),
        details,
      );
      await settle(el);
      assert(retrying() === "", `the retry still shows beside the error: ${retrying()}`);
      const retry = shadow(el).querySelector<HTMLButtonElement>("[part~=error] button[part~=retry]");
      assert(retry, "no Try again button beside the error");
      await serverProxy();
      const start = waitForEvent<CustomEvent>(el, "le-generation-start", () => true);
      const end = waitForEvent<CustomEvent>(el, "le-generation-end", () => true);
      const errs: string[] = [];
      el.addEventListener("le-error", (e) => errs.push((e as CustomEvent).detail.message));
      retry.focus();
      retry.click();
      assert(
        (await start).detail.reason === "retry" && (await start).detail.generation === 1,
        "not a retry of generation 1",
      );
      const e = await end;
      assert(
        !e.detail.cancelled && e.detail.done === 2,
        `the retry rendered ${JSON.stringify(e.detail)} ${errs}`,
      );
      await settle(el);
      assert(!shadow(el).querySelector("[part~=error]"), "the error stays after the retry rendered");
      // The button went with the error: the keyboard's focus went to the generation shown.
      const focused = shadow(el).activeElement;
      assert(focused?.matches('[part~="generation"][aria-current="true"]'), `focus on ${focused?.outerHTML}`);
    } finally {
      await serverProxy();
    }
  });

  it("backend=server without a server attribute shows the error and goes on with auto", async () => {
    const errors: string[] = [];
    const onError = (e: Event) => errors.push((e as CustomEvent).detail.message);
    document.addEventListener("le-error", onError);
    try {
      const el = await mount({ backend: "server", "storage-key": "none", population: "2" });
      assert(el.activeBackend !== null && el.activeBackend !== "server", `backend ${el.activeBackend}`);
      assert(
        errors.length === 1 && /needs the server attribute.*using auto/.test(errors[0]),
        JSON.stringify(errors),
      );
    } finally {
      document.removeEventListener("le-error", onError);
    }
  });
});
