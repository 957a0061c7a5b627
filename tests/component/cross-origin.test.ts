// Embedding from another origin: a second server on another port serves only dist/ (with CORS, like
// a CDN) and a bare HTML page. The element must find its worker, onnxruntime's wasm and the built-in
// model from its own URL, and start its worker through a same-origin Blob URL.
import { cleanup, waitForEvent } from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

function assert(ok: unknown, message: string): asserts ok {
  if (!ok) throw new Error(message);
}

afterEach(cleanup);

async function distOrigin(): Promise<string> {
  const { url } = await (await fetch("/__le/dist-origin.json")).json();
  assert(typeof url === "string" && new URL(url).origin !== location.origin, `bad dist origin ${url}`);
  return url;
}

describe("cross-origin embedding", () => {
  it("a page loads the bundle from another origin and the element renders", async () => {
    const origin = await distOrigin();
    await import(`${origin}latent-evolver.js`);
    const el = document.createElement("latent-evolver") as LatentEvolverElement;
    for (
      const [k, v] of Object.entries({ backend: "wasm", population: "3", seed: "2", "storage-key": "none" })
    ) {
      el.setAttribute(k, v);
    }
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", () => true, 60000);
    const error = waitForEvent<CustomEvent>(el, "le-error", () => true, 60000).then((e) => e.detail.message);
    document.body.append(el);
    const outcome = await Promise.race([end.then((e) => e.detail), error]);
    assert(typeof outcome !== "string", `the element failed: ${outcome}`);
    assert(outcome.done === 3 && !outcome.cancelled, `rendered ${JSON.stringify(outcome)}`);
    assert(
      (customElements.get("latent-evolver") as unknown as { workerUrl: string }).workerUrl.startsWith(origin),
      "the worker URL is not resolved from the bundle's origin",
    );
  });

  it("in a sandboxed iframe, where the browser refuses storage, the element works and says it cannot save", async () => {
    const origin = await distOrigin();
    const frame = document.createElement("iframe");
    frame.sandbox.add("allow-scripts"); // no allow-same-origin: an opaque origin, no IndexedDB or Cache Storage
    const words: { type: string; detail: { done?: number; message?: string } }[] = [];
    const ended = new Promise<void>((resolve) => {
      addEventListener("message", function on(e: MessageEvent) {
        if (e.data?.source !== "bare") return;
        words.push(e.data);
        if (e.data.type !== "end") return;
        removeEventListener("message", on);
        resolve();
      });
    });
    frame.src = `${origin}stored.html`;
    document.body.append(frame);
    try {
      await Promise.race([
        ended,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no end from the sandboxed page: ${JSON.stringify(words)}`)),
            60000,
          )
        ),
      ]);
      const end = words.find((w) => w.type === "end")!;
      assert(end.detail.done === 4, `sandboxed page: ${JSON.stringify(words)}`);
      const errors = words.filter((w) => w.type === "error").map((w) => w.detail.message ?? "");
      assert(
        errors.length > 0 && errors.every((m) => /cannot be saved/.test(m)),
        `errors: ${JSON.stringify(errors)}`,
      );
    } finally {
      frame.remove();
    }
  });

  it("the bare page served with dist/ from another port works in an iframe", async () => {
    const origin = await distOrigin();
    const frame = document.createElement("iframe");
    const message = new Promise<{ type: string; detail: { done?: number; message?: string } }>((resolve) => {
      addEventListener("message", function on(e: MessageEvent) {
        if (e.data?.source !== "bare") return;
        removeEventListener("message", on);
        resolve(e.data);
      });
    });
    frame.src = `${origin}bare.html`;
    document.body.append(frame);
    try {
      const data = await Promise.race([
        message,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("no word from the bare page")), 60000)
        ),
      ]);
      assert(data.type === "end" && data.detail.done === 4, `bare page: ${JSON.stringify(data)}`);
    } finally {
      frame.remove();
    }
  });
});
