// End to end: what a newcomer does after `npm start`. The real server (scripts/start.mjs, as
// `npm start` runs it) serves the demo pages, the built element and the built-in model, and Chromium
// drives them as a person would: clicks through the shadow DOM, a reload, a second page. Every
// request the pages make must succeed and nothing may be logged as an error.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { metricValue, type ServerProcess, spawnServer } from "../server/server_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** scripts/run-tests.mjs passes the Chromium it found; /usr/bin/chromium is Debian's. */
const chromium = Deno.env.get("CHROME_PATH") ?? "/usr/bin/chromium";
const FIRST_BATCH_MS = 90_000;

/** The element's events, as the page saw them (recorded from before the element starts). */
type Seen = {
  type: string;
  generation?: number;
  done?: number;
  total?: number;
  cancelled?: boolean;
  reason?: string;
  backend?: string;
  message?: string;
};

/** What went wrong in each page: console errors, page errors, failed requests. */
const pageProblems = new WeakMap<Page, string[]>();

/**
 * Starts `npm start`'s server and a Chromium, runs `fn` on a fresh page (its own profile, so no
 * stored session), and fails on any console error, page error or failed request that `fn` left.
 */
async function withDemo(fn: (page: Page, server: ServerProcess) => Promise<void>): Promise<void> {
  assert.ok(
    await Deno.stat(`${root}dist/latent-evolver.js`).catch(() => null),
    "dist/ is missing: run `npm run build` first (npm test does)",
  );
  assert.ok(
    await Deno.stat(chromium).catch(() => null),
    `No Chromium at ${chromium}: install Debian's chromium or set CHROME_PATH`,
  );
  const server = await spawnServer("node", ["scripts/start.mjs", "--port", "0"], root);
  let browser: Browser | undefined;
  try {
    // No WebGPU flag: the demo chooses its backend itself (wasm here). A container's /dev/shm is small.
    browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
      timeout: 60_000,
      protocolTimeout: 180_000,
    });
    const page = await (await browser.createBrowserContext()).newPage();
    page.setDefaultTimeout(FIRST_BATCH_MS);
    const problems: string[] = [];
    pageProblems.set(page, problems);
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e instanceof Error ? e.message : e}`));
    page.on("requestfailed", (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => r.status() >= 400 && problems.push(`${r.status()}: ${r.url()}`));
    await page.evaluateOnNewDocument(() => {
      const seen: Seen[] = [];
      Object.assign(globalThis, { __seen: seen });
      const types = ["le-backend", "le-generation-start", "le-generation-end", "le-error"];
      for (const type of types) {
        document.addEventListener(type, (e) => {
          const { lineage: _, failures: __, cause: ___, ...detail } = (e as CustomEvent).detail;
          seen.push({ type, ...detail });
        });
      }
    });
    await fn(page, server);
    assert.deepEqual(problems, [], "the demo logged errors or made failed requests");
  } finally {
    try {
      await browser?.close();
    } finally {
      await server.kill();
    }
  }
}

/**
 * Waits until the page has seen an event that matches, and returns the events so far. A console
 * error, page error or failed request ends the wait at once, with what went wrong.
 */
async function waitForEvent(page: Page, match: Partial<Seen>, timeout = FIRST_BATCH_MS): Promise<Seen[]> {
  const problems = pageProblems.get(page)!;
  const until = Date.now() + timeout;
  for (;;) {
    const seen = await page.evaluate(() => (globalThis as unknown as { __seen: Seen[] }).__seen);
    if (seen.some((e) => Object.entries(match).every(([k, v]) => e[k as keyof Seen] === v))) return seen;
    if (problems.length || Date.now() > until) {
      throw new Error(
        `no ${JSON.stringify(match)} ${problems.length ? "before" : `in ${timeout} ms`}: ` +
          JSON.stringify({ problems, seen }),
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The spread of each exported image's pixels (PNG from `exportImage`), to tell images from blanks. */
function imageSpreads(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const el = document.querySelector("latent-evolver") as HTMLElement & {
      exportImage(i: number): Promise<Blob>;
    };
    const images = el.shadowRoot!.querySelectorAll('[part~="image-button"]').length;
    const spreads: number[] = [];
    for (let i = 0; i < images; i++) {
      const bitmap = await createImageBitmap(await el.exportImage(i));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext("2d")!;
      ctx.drawImage(bitmap, 0, 0);
      const { data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      let sum = 0, sq = 0;
      for (let j = 0; j < data.length; j += 4) {
        const v = (data[j] + data[j + 1] + data[j + 2]) / 3;
        sum += v;
        sq += v * v;
      }
      const n = data.length / 4;
      spreads.push(Math.sqrt(sq / n - (sum / n) ** 2));
    }
    return spreads;
  });
}

const ended = (generation: number): Partial<Seen> => ({
  type: "le-generation-end",
  generation,
  cancelled: false,
});

Deno.test({
  name:
    "demo: npm start's page renders the first batch, evolves from a clicked favourite, and keeps it over a reload",
  // puppeteer's connection keeps timers and sockets of its own until the browser closes.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withDemo(async (page, server) => {
      await page.goto(`${server.url}/`);
      let seen = await waitForEvent(page, ended(0));
      const backend = seen.find((e) => e.type === "le-backend")?.backend;
      assert.ok(backend === "wasm" || backend === "webgpu", `backend ${backend}`);
      const first = seen.find((e) => e.type === "le-generation-end")!;
      assert.deepEqual([first.done, first.total], [8, 8]);
      const spreads = await imageSpreads(page);
      assert.equal(spreads.length, 8);
      assert.ok(spreads.every((s) => s > 10), `flat images: pixel spreads ${spreads.map(Math.round)}`);

      // A person's clicks: a favourite, then Evolve.
      const favourite = await page.$('latent-evolver >>> [part~="image-button"]');
      await favourite!.click();
      assert.equal(await favourite!.evaluate((b) => b.getAttribute("aria-pressed")), "true");
      await (await page.$('latent-evolver >>> [part~="evolve"]'))!.click();
      seen = await waitForEvent(page, ended(1));
      assert.ok(
        seen.some((e) => e.type === "le-generation-start" && e.generation === 1 && e.reason === "evolve"),
      );
      assert.deepEqual(
        await page.evaluate(() => {
          const el = document.querySelector("latent-evolver") as HTMLElement & {
            generation: number;
            generationCount: number;
          };
          return [el.generation, el.generationCount];
        }),
        [1, 2],
      );
      // The demo page's own event log shows what happened.
      assert.match(
        await page.$eval("#log", (l) => l.textContent ?? ""),
        /le-generation-end \{"generation":1/,
      );

      // The session is stored (storage-key="demo"): a reload comes back to generation 1 of 2.
      await page.reload();
      seen = await waitForEvent(page, { type: "le-generation-start", reason: "restore" });
      const restored = seen.find((e) => e.type === "le-generation-start")!;
      assert.equal(restored.generation, 1);
      await waitForEvent(page, ended(1));
    });
  },
});

Deno.test({
  name: "demo: server.html renders through the server that serves it (server backend, binary protocol)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withDemo(async (page, server) => {
      const images = await metricValue(server.url, "latent_evolver_images_total");
      await page.goto(`${server.url}/server.html`);
      const seen = await waitForEvent(page, ended(0));
      assert.equal(seen.find((e) => e.type === "le-backend")?.backend, "server");
      assert.equal(await metricValue(server.url, "latent_evolver_images_total"), images + 8);
      const spreads = await imageSpreads(page);
      assert.ok(
        spreads.length === 8 && spreads.every((s) => s > 10),
        `pixel spreads ${spreads.map(Math.round)}`,
      );
    });
  },
});
