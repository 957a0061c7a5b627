// A deterministic stand-in model for server tests: each pixel is a function of its latent's
// values and the prompt only, so a batched run must give exactly the unbatched images.
import type { Latent } from "../../core/latent.ts";
import type { RgbaImage, ServedModel } from "../../server/model.ts";

export interface FakeModel extends ServedModel {
  /** Batch sizes of each generate() call, in order. */
  calls: number[];
  /** Calls cancelled through their signal. */
  aborted: number;
  /** The most generate() calls that were running at once. */
  peakRunning: number;
  /** While true, each call waits, once started, for release() (or its signal) before rendering. */
  holding: boolean;
  /** Lets the calls held now go on. */
  release(): void;
}

export function fakeModel(
  options: {
    name?: string;
    delayMs?: number;
    shape?: readonly [number, number, number];
    concurrency?: number;
    /** The model's first `holding`. */
    hold?: boolean;
  } = {},
): FakeModel {
  let running = 0;
  let held: (() => void)[] = [];
  const shape = options.shape ?? [4, 8, 8] as const;
  const model: FakeModel = {
    name: options.name ?? "fake",
    version: "1",
    platform: "decoder",
    executionProvider: "cpu",
    latentShape: shape,
    imageSize: [shape[1] * 2, shape[2] * 2],
    calls: [],
    aborted: 0,
    peakRunning: 0,
    concurrency: options.concurrency,
    holding: options.hold ?? false,
    release() {
      const now = held;
      held = [];
      for (const go of now) go();
    },
    async generate(latents: Latent[], prompt: string, opts?: { signal?: AbortSignal }): Promise<RgbaImage[]> {
      model.calls.push(latents.length);
      model.peakRunning = Math.max(model.peakRunning, ++running);
      try {
        if (model.holding) await wait((go) => held.push(go), opts?.signal);
        await delay(opts?.signal);
      } finally {
        running--;
      }
      const salt = promptSalt(prompt);
      return latents.map((l) => renderFake(l, salt));
    },
  };
  async function delay(signal?: AbortSignal): Promise<void> {
    if (!options.delayMs) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await wait((go) => timer = setTimeout(go, options.delayMs), signal).finally(() => clearTimeout(timer));
  }
  /** Waits until `start` calls its callback, or rejects (counting an abort) when `signal` aborts first. */
  function wait(start: (go: () => void) => void, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      start(() => {
        done = true;
        resolve();
      });
      signal?.addEventListener("abort", () => {
        if (done) return;
        done = true;
        model.aborted++;
        reject(new DOMException("aborted", "AbortError"));
      }, { once: true });
    });
  }
  return model;
}

function promptSalt(prompt: string): number {
  let salt = 0;
  for (const ch of prompt) salt = (salt * 31 + ch.charCodeAt(0)) & 255;
  return salt;
}

/** The images fakeModel gives `n` latents of shape [4,8,8], packed as an infer request holds them: [n,16,16,4]. */
export function fakeImages(latents: Float32Array, n: number, prompt: string): Uint8Array {
  const salt = promptSalt(prompt);
  const out = new Uint8Array(n * 16 * 16 * 4);
  for (let i = 0; i < n; i++) {
    const img = renderFake({ shape: [4, 8, 8], data: latents.slice(i * 256, (i + 1) * 256) }, salt);
    out.set(img.data, i * 1024);
  }
  return out;
}

function renderFake(l: Latent, salt: number): RgbaImage {
  const [c0, h, w] = l.shape;
  const data = new Uint8ClampedArray(4 * h * w * 4);
  for (let y = 0; y < 2 * h; y++) {
    for (let x = 0; x < 2 * w; x++) {
      const j = (y >> 1) * w + (x >> 1);
      const p = (y * 2 * w + x) * 4;
      for (let c = 0; c < 3; c++) data[p + c] = (l.data[(c % c0) * h * w + j] * 40 + 128 + salt) & 255;
      data[p + 3] = 255;
    }
  }
  return { width: 2 * w, height: 2 * h, data };
}
