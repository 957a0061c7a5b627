// Model files in Cache Storage (component/backends/model-cache.ts): a second visit downloads nothing,
// but a stale copy (the model rebuilt at the same URL) or a wrong answer (a host's HTML page for a
// missing file) must not be served, or cached, for good.
import { assert } from "./helpers.ts";
import { forgetReplacedFiles, loadModelFile, modelCacheName } from "../../component/backends/model-cache.ts";
import { parseManifest, sha256Hex } from "../../core/manifest.ts";
import { cleanup, mount, part, pixels, uniqueKey, wasmElement } from "./helpers.ts";

const url = new URL("/models/builtin/model.onnx", location.href).href;

async function network(): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url, { cache: "no-store" })).arrayBuffer());
}

async function cachedLength(key: string): Promise<number | null> {
  const hit = await (await caches.open(modelCacheName)).match(key);
  return hit ? (await hit.arrayBuffer()).byteLength : null;
}

const rejection = (p: Promise<unknown>) => p.then(() => null, (e: Error) => e);

/** Runs `f`, counting the page's fetch calls meanwhile. */
async function countingFetches<T>(f: () => Promise<T>): Promise<{ value: T; fetches: number }> {
  const original = globalThis.fetch;
  let fetches = 0;
  globalThis.fetch = (...args: Parameters<typeof fetch>) => (fetches++, original(...args));
  try {
    return { value: await f(), fetches };
  } finally {
    globalThis.fetch = original;
  }
}

/** Mounts an element and waits for its first generation, failing with its error if it shows one first. */
async function mountRendered(attributes: Record<string, string>): ReturnType<typeof mount> {
  const el = await mount(attributes, false);
  await new Promise<void>((resolve, reject) => {
    el.addEventListener("le-generation-end", () => resolve(), { once: true });
    el.addEventListener("le-error", (e) => reject(new Error((e as CustomEvent).detail.message)), {
      once: true,
    });
  });
  return el;
}

describe("model cache", () => {
  beforeEach(async () => {
    await caches.delete(modelCacheName);
  });

  it("downloads once with progress up to the size, then serves the cached copy", async () => {
    const size = (await network()).length;
    const seen: [number, number][] = [];
    const bytes = await loadModelFile(url, (l, t) => seen.push([l, t]), { bytes: size });
    assert(bytes.length === size, `read ${bytes.length} of ${size}`);
    assert(seen.at(-1)![0] === size && seen.every(([, t]) => t === size), JSON.stringify(seen));
    assert((await cachedLength(url)) === size, "not cached");
    const again = await countingFetches(() => loadModelFile(url, undefined, { bytes: size }));
    assert(
      again.fetches === 0 && again.value.length === size,
      `the second read fetched ${again.fetches} times`,
    );
  });

  it("a copy cached before its manifest gave a hash is hashed once and kept, not downloaded again", async () => {
    const real = await network();
    const sha256 = await sha256Hex(real);
    await (await caches.open(modelCacheName)).put(url, new Response(real as Uint8Array<ArrayBuffer>));
    const read = await countingFetches(() => loadModelFile(url, undefined, { bytes: real.length, sha256 }));
    assert(read.fetches === 0, "a correct copy was downloaded again");
    const hit = await (await caches.open(modelCacheName)).match(url);
    assert(hit?.headers.get("x-latent-evolver-sha256") === sha256, "the copy was not kept with its hash");
  });

  it("a download that is not the manifest's is fetched once more past the browser's HTTP cache", async () => {
    const stale = new URL("/__le/stale/model.bin", location.href).href;
    const bytes = await loadModelFile(stale, undefined, { bytes: 20 });
    assert(bytes.length === 20 && bytes[0] === 2, `got the stale file: ${bytes.length} bytes`);
  });

  it("a cached copy whose body cannot be read is deleted and downloaded again, not an error for good", async () => {
    const real = await network();
    await loadModelFile(url, undefined, { bytes: real.length }); // cached
    // The browser lost the copy's body (a cleanup of its disk, a corrupt entry): reading it fails.
    const match = Cache.prototype.match;
    Cache.prototype.match = async function (this: Cache, ...args: Parameters<Cache["match"]>) {
      const hit = await match.apply(this, args);
      if (!hit || args[0] !== url) return hit;
      const lost = new ReadableStream({ pull: (c) => c.error(new TypeError("Failed to read the body")) });
      return new Response(lost, { headers: hit.headers });
    };
    let read;
    try {
      read = await countingFetches(() => loadModelFile(url, undefined, { bytes: real.length }));
    } finally {
      Cache.prototype.match = match;
    }
    assert(read.fetches === 1 && read.value.length === real.length, `${read.fetches} fetches`);
    assert((await cachedLength(url)) === real.length, "the new download was not cached");
  });

  it("a cached copy of another size than the manifest's is stale: downloaded again and replaced", async () => {
    const size = (await network()).length;
    await (await caches.open(modelCacheName)).put(url, new Response(new Uint8Array(10)));
    const bytes = await loadModelFile(url, undefined, { bytes: size });
    assert(bytes.length === size, `served the stale copy (${bytes.length} bytes)`);
    assert((await cachedLength(url)) === size, "the stale copy is still cached");
  });

  it("with the manifest's SHA-256, a cached copy of the same size but another hash is downloaded again", async () => {
    const real = await network();
    const sha256 = await sha256Hex(real);
    const same = new Uint8Array(real.length); // the size of the real file, other bytes
    await (await caches.open(modelCacheName)).put(
      url,
      new Response(same, { headers: { "x-latent-evolver-sha256": "0".repeat(64) } }),
    );
    const bytes = await loadModelFile(url, undefined, { bytes: real.length, sha256 });
    assert(bytes.every((b, i) => b === real[i]), "served the stale copy of the same size");
    // Cached with its hash: the next read is served from the cache without hashing again.
    const hit = await (await caches.open(modelCacheName)).match(url);
    assert(hit?.headers.get("x-latent-evolver-sha256") === sha256, "the cached copy does not carry its hash");
    const wrong = await rejection(loadModelFile(url, undefined, { sha256: "f".repeat(64) }));
    assert(
      wrong && /its SHA-256 is [0-9a-f]{64}, the manifest says f{64}/.test(wrong.message),
      String(wrong),
    );
    assert((await cachedLength(url)) === null, "a download with the wrong hash was cached");
  });

  it("an HTML page for a model file, or a download of another size, is refused and not cached", async () => {
    const page = new URL("/__le/spa/models/unet.onnx", location.href).href;
    const html = await rejection(loadModelFile(page, undefined, {}));
    assert(
      html && /an HTML page \(HTTP 200\), not the file; check the manifest's path/.test(html.message),
      String(html),
    );
    assert((await cachedLength(page)) === null, "the HTML page was cached");

    const short = await rejection(loadModelFile(url, undefined, { bytes: 100 }));
    assert(short && /\d+ bytes, where the manifest says 100/.test(short.message), String(short));
    assert((await cachedLength(url)) === null, "a file of the wrong size was cached");
  });

  it("forgetReplacedFiles() deletes the files a manifest named before and names no longer, unless another names them", async () => {
    const cache = await caches.open(modelCacheName);
    const file = (name: string) => new URL(`/cache-test/${name}`, location.href).href;
    for (const name of ["a1", "a2", "a3", "a4", "b1", "tok"]) await cache.put(file(name), new Response(name));
    const manifest = (url: string, files: string[], tokenizer?: string) =>
      parseManifest({
        name: "m",
        kind: "decoder",
        latentShape: [4, 32, 32],
        imageSize: [256, 256],
        files: Object.fromEntries(
          files.map((f, i) => [i ? `f${i}` : "decoder", { path: `/cache-test/${f}`, dtype: "float32" }]),
        ),
        ...(tokenizer ? { tokenizer: `/cache-test/${tokenizer}` } : {}),
      }, new URL(url, location.href));
    const cached = async () =>
      (await Promise.all(
        ["a1", "a2", "a3", "a4", "b1", "tok"].map(async (n) => (await cache.match(file(n))) ? n : ""),
      ))
        .filter(Boolean).join();

    const first = await forgetReplacedFiles(manifest("/m/a.json", ["a1", "a2"], "tok"));
    assert(first.length === 0, `the first load deleted ${first}`);
    await forgetReplacedFiles(manifest("/m/b.json", ["b1", "a3"]));
    const second = await forgetReplacedFiles(manifest("/m/a.json", ["a1", "a3"]));
    assert(second.join() === [file("a2"), file("tok")].join(), `deleted ${second}`);
    assert((await cached()) === "a1,a3,a4,b1", `left ${await cached()}`);
    // a3 is still named by b.json; a1 by nobody once a.json moves on to a4.
    const third = await forgetReplacedFiles(manifest("/m/a.json", ["a4"]));
    assert(third.join() === file("a1"), `deleted ${third}`);
    assert((await cached()) === "a3,a4,b1", `left ${await cached()}`);
    const again = await forgetReplacedFiles(manifest("/m/a.json", ["a4"]));
    assert(again.length === 0, `an unchanged manifest deleted ${again}`);
  });

  it("an element whose cached model file onnxruntime cannot open downloads it once more and renders", async () => {
    // The built-in model under a manifest that gives no size or hash, at a URL of this test's own.
    const query = `id=${uniqueKey("recover")}`;
    const file = new URL(`/__le/model/file?${query}`, location.href).href;
    const real = await network();
    // A copy cut short, kept from before the site fixed the file: nothing but onnxruntime can tell.
    await (await caches.open(modelCacheName)).put(file, new Response(real.slice(0, 4000)));
    try {
      const el = await mountRendered({ ...wasmElement("recover"), model: `/__le/model/manifest?${query}` });
      assert(pixels(el).length === 4, `rendered ${pixels(el).length} images`);
      assert((await cachedLength(file)) === real.length, "the broken copy is still cached");
      const downloads = await (await fetch(`/__le/model/downloads?${query}`)).json();
      assert(downloads === 1, `downloaded ${downloads} times`);
    } finally {
      cleanup();
    }
  });

  it("an element whose model file the cache refuses (Vary: *) renders, and says it is not kept", async () => {
    const query = `vary&id=${uniqueKey("vary")}`;
    try {
      const el = await mountRendered({ ...wasmElement("vary"), model: `/__le/model/manifest?${query}` });
      await el.updateComplete;
      assert(pixels(el).length === 4, `rendered ${pixels(el).length} images`);
      const notice = part(el, "notice")?.textContent ?? "";
      assert(
        /could not be kept in this browser's cache, so the next visit downloads it again \(.*\/__le\/model\/file\?vary/
          .test(notice),
        `notice: "${notice}"`,
      );
      assert(
        (await cachedLength(new URL(`/__le/model/file?${query}`, location.href).href)) === null,
        "cached",
      );
    } finally {
      cleanup();
    }
  });

  it("an element whose model moved to new files leaves the old ones out of the cache", async () => {
    const model = new URL("/__le/versioned/manifest", location.href).href;
    const { version } = await (await fetch("/__le/versioned/next")).json();
    const old = new URL(`/models/builtin/model.onnx?v=${version}`, location.href).href;
    try {
      await mount({ ...wasmElement("versioned-1"), model });
      assert(await (await caches.open(modelCacheName)).match(old), "the model file was not cached");
      cleanup();
      await fetch("/__le/versioned/next");
      await mount({ ...wasmElement("versioned-2"), model });
      const cache = await caches.open(modelCacheName);
      const now = new URL(`/models/builtin/model.onnx?v=${version + 1}`, location.href).href;
      assert(
        await cache.match(now),
        `the new file was not cached: ${(await cache.keys()).map((r) => r.url)}`,
      );
      assert(!(await cache.match(old)), "the file the manifest no longer names is still cached");
    } finally {
      cleanup();
    }
  });
});
