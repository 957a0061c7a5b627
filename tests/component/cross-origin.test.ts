// Embedding from another origin: a second server on another port serves only dist/ (with CORS, like
// a CDN) and a bare HTML page. The element must find its worker, onnxruntime's wasm and the built-in
// model from its own URL, and start its worker through a same-origin Blob URL.
import { assert, cleanup, waitForEvent } from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { startWorker } from "../../component/worker-client.ts";

afterEach(cleanup);

async function distOrigin(): Promise<string> {
  const { url } = await (await fetch("/__le/dist-origin.json")).json();
  assert(typeof url === "string" && new URL(url).origin !== location.origin, `bad dist origin ${url}`);
  return url;
}

type Word = {
  type: string;
  detail: {
    done?: number;
    points?: number;
    message?: string;
    /** With an error: the developer's message behind it, where the message words it for people. */
    details?: string;
    /** With an error: whether the element offers Try again beside it. */
    retry?: boolean;
    secure?: boolean;
    failures?: { backend: string; message: string }[];
  };
};

/**
 * Loads a page of the dist server in an iframe and collects what its element reports, until the
 * first generation ends, or an error matches `until`, or 60 s pass; then `settleMs` more.
 */
async function framePage(
  path: string,
  { sandbox, until, settleMs = 0, host }: {
    sandbox?: string;
    until?: RegExp;
    settleMs?: number;
    host?: string;
  } = {},
): Promise<Word[]> {
  const origin = new URL(await distOrigin());
  if (host) origin.hostname = host;
  const frame = document.createElement("iframe");
  if (sandbox) frame.setAttribute("sandbox", sandbox);
  const words: Word[] = [];
  let on: (e: MessageEvent) => void = () => {};
  const done = new Promise<void>((resolve) => {
    on = (e: MessageEvent) => {
      if (e.data?.source !== "bare" || e.source !== frame.contentWindow) return;
      words.push(e.data);
      if (e.data.type === "end" || (until && until.test(e.data.detail.message ?? ""))) resolve();
    };
    addEventListener("message", on);
  });
  frame.src = new URL(path, origin).href;
  document.body.append(frame);
  try {
    await Promise.race([done, new Promise((r) => setTimeout(r, 60000))]);
    await new Promise((r) => setTimeout(r, settleMs));
    return words;
  } finally {
    removeEventListener("message", on);
    frame.remove();
  }
}

/** The page's element rendered its 4 images: the last word is the end of the first generation. */
function assertRendered(words: Word[], page: string): void {
  const last = words.at(-1);
  assert(last?.type === "end" && last.detail.done === 4, `${page}: ${JSON.stringify(words)}`);
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

  it("the bare page served with dist/ from another port works in an iframe", async () => {
    const words = await framePage("bare.html");
    assertRendered(words, "bare page");
    assert(words.length === 1, `errors: ${JSON.stringify(words)}`);
  });

  it("in a sandboxed iframe, where the browser refuses storage, the element works and says it cannot save", async () => {
    // No allow-same-origin: an opaque origin, without IndexedDB or Cache Storage.
    const words = await framePage("stored.html", { sandbox: "allow-scripts" });
    assertRendered(words, "sandboxed");
    const errors = words.filter((w) => w.type === "error").map((w) => w.detail.message ?? "");
    assert(errors.length === 1 && /cannot be saved/.test(errors[0]), `errors: ${JSON.stringify(errors)}`);
  });

  it("on a site served over plain http (not a secure context), the element renders, checks its model and saves", async () => {
    // insecure.test is the dist server under a name that is not localhost (see the test runner's
    // --host-resolver-rules): no Web Crypto (the model file's SHA-256 is checked in JS), Web Locks
    // or Cache Storage. The model load failed there on crypto.subtle being undefined.
    // backend=auto: WebGPU is passed over, and the reason says why (not "this browser has none").
    const words = await framePage("stored.html?backend=auto", { host: "insecure.test" });
    assertRendered(words, "insecure page");
    assert(words.length === 1 && words[0].detail.secure === false, `words: ${JSON.stringify(words)}`);
    const webgpu = words[0].detail.failures?.find((f) => f.backend === "webgpu")?.message ?? "";
    assert(/only to pages served over https .* plain http/.test(webgpu), `webgpu failed with "${webgpu}"`);
  });

  it('backend="webgpu" on a site served over plain http says to serve it over https, without a Try again that cannot help', async () => {
    const words = await framePage("bare.html?backend=webgpu", { host: "insecure.test", until: /WebGPU/ });
    const error = words.find((w) => w.type === "error")?.detail;
    assert(
      /^The images cannot be made here\. The model could not be started: the element is set to use WebGPU alone \(backend="webgpu"\), and browsers give WebGPU only to pages served over https .* plain http\. Serve the page over https/
        .test(error?.message ?? "") && error?.retry === false,
      JSON.stringify(words),
    );
  });

  it("under the Content-Security-Policy the README gives, the element works", async () => {
    const words = await framePage("csp.html");
    assertRendered(words, "csp page");
    // No style refused, with a point, its region and the grid's columns styled inline.
    assert(words.length === 1 && words[0].detail.points === 1, `errors: ${JSON.stringify(words)}`);
  });

  it("a Content-Security-Policy that blocks the worker or WebAssembly gets an error that says so and what to allow, without Try again", async () => {
    const origin = new URL(await distOrigin()).origin;
    for (
      const [policy, expected] of [
        [
          `script-src ${origin} 'wasm-unsafe-eval'; worker-src 'none'; connect-src ${origin}`,
          /Content-Security-Policy refused it: worker-src/,
        ],
        [`script-src ${origin}; worker-src blob:; connect-src ${origin}`, /WebAssembly|wasm-unsafe-eval/],
      ] as const
    ) {
      const words = await framePage(`csp.html?policy=${encodeURIComponent(policy)}`, { until: expected });
      const messages = words.map((w) => w.detail.message ?? `end ${w.detail.done}`);
      assert(words.every((w) => w.type === "error"), `${policy}: ${JSON.stringify(messages)}`);
      assert(messages.some((m) => expected.test(m)), `${policy}: ${JSON.stringify(messages)}`);
      // Another start meets the same refusal: the site owner is told what to allow, and no Try again.
      const allow =
        `The site must allow script-src ${origin} 'wasm-unsafe-eval'; worker-src blob:; connect-src ${origin}.`;
      const refused = words.filter((w) => expected.test(w.detail.message!));
      assert(
        refused.every((w) => w.detail.message!.includes(allow) && w.detail.retry === false),
        `${policy}: ${JSON.stringify(refused)}`,
      );
    }
  });

  it("WebAssembly refused while the server is down is no refusal alone: Try again, as the server may come back, and what to allow for wasm; on wasm alone, what to allow names the server", async () => {
    const origin = new URL(await distOrigin()).origin;
    const server = "http://127.0.0.1:9/"; // nothing listens there
    const policy = `script-src ${origin}; worker-src blob:; connect-src ${origin} http://127.0.0.1:9`;
    const words = await framePage(
      `csp.html?backend=auto&server=${encodeURIComponent(server)}&policy=${encodeURIComponent(policy)}`,
      { until: /could not be started/ },
    );
    const failed = words.find((w) => /could not be started/.test(w.detail.message ?? ""));
    assert(failed, JSON.stringify(words));
    const message = failed.detail.message!;
    assert(/server: .*127\.0\.0\.1:9.*; wasm: .*WebAssembly/.test(failed.detail.details ?? ""), message);
    // The server's problem, which may pass, then what the site must allow for wasm, which will not.
    const [unanswered, advice] = message.split("\n");
    assert(
      unanswered ===
        "The images cannot be made right now. The model could not be started: the image server " +
          "at http://127.0.0.1:9 is not answering, or it refuses this page's origin (its --origins setting).",
      message,
    );
    assert(
      advice === "This page's Content-Security-Policy also refused the wasm backend, and trying again " +
          `cannot change that: to use it, the site must allow script-src ${origin} 'wasm-unsafe-eval'; ` +
          `worker-src blob:; connect-src ${origin} http://127.0.0.1:9.`,
      message,
    );
    assert(failed.detail.retry === true, "no Try again, though the server may come back");
    // On wasm alone the refusal is the whole failure: what to allow names the server's origin too.
    const [refused] = await framePage(
      `csp.html?backend=wasm&server=${encodeURIComponent(server)}&policy=${encodeURIComponent(policy)}`,
      { until: /must allow/ },
    );
    const allow =
      `script-src ${origin} 'wasm-unsafe-eval'; worker-src blob:; connect-src ${origin} http://127.0.0.1:9.`;
    assert(
      refused?.detail.message?.includes(allow) && refused.detail.retry === false,
      JSON.stringify(refused),
    );
  });

  it("a policy that lets the page's script run but not the worker's module fails once, without restarts", async () => {
    // script-src names the page's two files only, so the worker's import of its module is refused.
    const origin = new URL(await distOrigin()).origin;
    const policy =
      `script-src ${origin}/latent-evolver.js ${origin}/report.js 'wasm-unsafe-eval'; worker-src blob:; connect-src ${origin}`;
    const words = await framePage(`csp.html?policy=${encodeURIComponent(policy)}`, {
      until: /Content-Security-Policy/,
      settleMs: 1500,
    });
    const messages = words.map((w) => w.detail.message ?? `end ${w.detail.done}`);
    assert(messages.length === 1, `one error, no restarts: ${JSON.stringify(messages)}`);
    assert(words[0].detail.retry === false, "a Try again that cannot help");
    assert(messages[0].includes(`The site must allow script-src ${origin} `), messages[0]);
    assert(
      /cannot run in this page.*Content-Security-Policy refused \S*latent-evolver\.worker\.js/.test(
        messages[0],
      ),
      messages[0],
    );
  });
});

describe("the page's report of a refused worker", () => {
  /** What the page reports when its policy refuses a worker from a Blob URL. */
  const refusal = () =>
    new SecurityPolicyViolationEvent("securitypolicyviolation", {
      blockedURI: "blob",
      effectiveDirective: "worker-src",
      violatedDirective: "worker-src",
      originalPolicy: "worker-src 'none'",
      disposition: "enforce",
      statusCode: 0,
    });

  it("ends the worker on its own, without waiting for the worker's error event", async () => {
    const deaths: { message: string; how: string }[] = [];
    const handle = startWorker(
      "/dist/latent-evolver.worker.js",
      (e, how) => deaths.push({ message: e.message, how }),
    );
    try {
      document.dispatchEvent(refusal()); // the worker itself loads: no error event follows
      assert(
        deaths.length === 1 && deaths[0].how === "refused" &&
          /refused it: worker-src/.test(deaths[0].message),
        `deaths: ${JSON.stringify(deaths)}`,
      );
      const answer = await handle.api.cancel().then(() => "answered", (e: Error) => e.name);
      assert(answer === "AbortError", `a call after the refusal: ${answer}`);
    } finally {
      handle.terminate();
    }
  });

  it("about another blob, once the worker has answered, leaves the worker running", async () => {
    const deaths: string[] = [];
    const handle = startWorker("/dist/latent-evolver.worker.js", (e) => deaths.push(e.message));
    try {
      await handle.api.cancel();
      document.dispatchEvent(refusal());
      await handle.api.cancel();
      assert(deaths.length === 0, `deaths: ${JSON.stringify(deaths)}`);
    } finally {
      handle.terminate();
    }
  });
});
