// Models served from inference workers (server/worker-models.ts), as `server/main.ts` serves them:
// the same pixels as in this thread, a main thread that keeps running while a batch renders, abort,
// and clear errors when a model cannot load.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { createRng } from "../../core/rng.ts";
import { loadModel } from "../../server/load.ts";
import { loadModelInWorker, loadModelsInWorkers } from "../../server/worker-models.ts";
import { startTestServer } from "./server_helpers.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifestPath = `${root}models/builtin/manifest.json`;

function latents(n: number, seed: string) {
  return Array.from({ length: n }, (_, i) => ({
    shape: [4, 32, 32] as const,
    data: createRng(`${seed}-${i}`).fillNormal(new Float32Array(4 * 32 * 32)),
  }));
}

Deno.test("worker model: images bit-identical to the same model run in this thread", async () => {
  const inWorker = await loadModelInWorker(manifestPath, ["cpu"], "batched");
  const here = await loadModel(manifestPath, ort, ["cpu"], "batched");
  try {
    assert.equal(inWorker.model.name, here.model.name);
    assert.equal(inWorker.model.executionProvider, "cpu");
    assert.deepEqual([...inWorker.model.latentShape], [4, 32, 32]);
    const batch = latents(3, "same");
    const a = await inWorker.model.generate(batch, "misty fjord");
    const b = await here.model.generate(batch, "misty fjord");
    assert.equal(a.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.equal(a[i].width, 256);
      assert.deepEqual(a[i].data, b[i].data, `image ${i}`);
    }
    // The caller's latents are copied, not transferred away.
    assert.equal(batch[0].data.length, 4096);
  } finally {
    await inWorker.dispose();
    await here.dispose();
  }
});

Deno.test("worker model: the main thread runs other tasks while a batch renders", async () => {
  // onnxruntime-node's session.run holds its thread for the whole run (it runs inside one
  // setImmediate callback): in this thread, a 1 ms interval would not tick until the run ended.
  const { model, dispose } = await loadModelInWorker(manifestPath, ["cpu"], "batched");
  try {
    await model.generate(latents(1, "warm"), "x");
    let ticks = 0;
    const interval = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    await model.generate(latents(16, "long"), "x");
    const ms = performance.now() - t0;
    clearInterval(interval);
    assert.ok(ticks >= 3, `a 1 ms interval ticked ${ticks} times during a ${ms.toFixed(0)} ms batch`);
  } finally {
    await dispose();
  }
});

Deno.test("worker model: an aborted caller stops waiting, and the model keeps serving", async () => {
  const { model, dispose } = await loadModelInWorker(manifestPath, ["cpu"], "batched");
  try {
    const controller = new AbortController();
    const pending = model.generate(latents(4, "abort"), "x", { signal: controller.signal });
    controller.abort();
    await assert.rejects(pending, { name: "AbortError" });
    await assert.rejects(
      model.generate(latents(1, "pre"), "x", { signal: AbortSignal.abort() }),
      { name: "AbortError" },
    );
    const images = await model.generate(latents(2, "after"), "x");
    assert.equal(images.length, 2);
    await assert.rejects(
      model.generate([{ shape: [4, 8, 8], data: new Float32Array(256) }], "x"),
      /expected latent shape \[4,32,32\], got \[4,8,8\] at 0/,
    );
  } finally {
    await dispose();
  }
});

Deno.test("worker models: a models folder loads with aliases; failures name the model and provider", async () => {
  const loaded = await loadModelsInWorkers(`${root}models`, ["cpu"]);
  try {
    assert.deepEqual(loaded.map((l) => l.model.name).sort(), ["builtin", "builtin-landscape"]);
    const images = await loaded.find((l) => l.model.name === "builtin")!.model.generate(
      latents(1, "alias"),
      "x",
    );
    assert.equal(images[0].data.length, 256 * 256 * 4);
  } finally {
    for (const l of loaded) await l.dispose();
  }
  await assert.rejects(
    loadModelInWorker(manifestPath, ["no-such-provider"]),
    /Cannot load model "builtin-landscape" on any execution provider: no-such-provider/,
  );
  await assert.rejects(loadModelInWorker(`${root}models/missing/manifest.json`), Deno.errors.NotFound);
});

Deno.test("worker model: a call aborted while an earlier batch runs never reaches the worker", async () => {
  // A stub worker counts the latents it ran: had b reached it, it would have run 16 more.
  await withTestEnv({ LE_TEST_RUN_MS: "20" }, async () => {
    const { model, dispose } = await loadModelInWorker(manifestPath, ["cpu"], "batched", {
      workerUrl: new URL("./stub_worker.ts", import.meta.url),
    });
    try {
      const a = model.generate(latents(16, "a"), "x");
      const controller = new AbortController();
      const b = model.generate(latents(16, "b"), "x", { signal: controller.signal });
      controller.abort();
      await assert.rejects(b, { name: "AbortError" });
      await model.generate(latents(1, "c"), "x");
      await a;
      assert.equal(Deno.env.get("LE_TEST_RAN"), "17", "the aborted call reached the worker");
    } finally {
      await dispose();
    }
  });
});

Deno.test("worker model: a worker that dies fails its callers, the server turns unready, and the worker is started again", async () => {
  const { model, dispose } = await loadModelInWorker(manifestPath, ["cpu"], "auto", {
    workerUrl: new URL("./stub_worker.ts", import.meta.url),
    restartMs: 300,
  });
  const s = startTestServer({ models: [model] });
  try {
    assert.equal(model.healthy?.(), true);
    assert.equal((await fetch(`${s.url}/v2/health/ready`)).status, 200);
    await assert.rejects(
      model.generate(latents(1, "crash"), "x"),
      /inference worker .* stopped: .*a deliberate crash/,
    );
    assert.equal(model.healthy?.(), false);
    await assert.rejects(model.generate(latents(1, "after"), "x"), /stopped/);
    const ready = await fetch(`${s.url}/v2/health/ready`);
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { ready: false, unhealthy: ["stub"] });
    const modelReady = await fetch(`${s.url}/v2/models/stub/ready`);
    assert.equal(modelReady.status, 503);
    await modelReady.body?.cancel();
    // A new worker loads the model: ready again, and it takes calls (this one crashes it again).
    const until = Date.now() + 10_000;
    while (!model.healthy?.() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal(model.healthy?.(), true, "the worker was not started again");
    const again = await fetch(`${s.url}/v2/health/ready`);
    assert.equal(again.status, 200);
    await again.body?.cancel();
    await assert.rejects(model.generate(latents(1, "crash again"), "x"), /stopped: .*a deliberate crash/);
    assert.equal(model.healthy?.(), false);
  } finally {
    await s.close();
    await dispose();
  }
});

Deno.test("worker model: instances run calls side by side, one at a time each", async () => {
  const { model, dispose } = await loadModelInWorker(manifestPath, ["cpu"], "auto", {
    instances: 2,
    workerUrl: new URL("./sleepy_worker.ts", import.meta.url),
  });
  try {
    assert.equal(model.concurrency, 2);
    const t0 = performance.now();
    const out = await Promise.all([1, 2, 3, 4].map(() => model.generate(latents(1, "s"), "x")));
    const ms = performance.now() - t0;
    // Each worker saw one call at a time (the pixel value), and two workers halved the time.
    assert.deepEqual(out.map((images) => images[0].data[0]), [1, 1, 1, 1]);
    assert.ok(ms < 3 * 150, `4 calls of 150 ms on 2 instances took ${ms.toFixed(0)} ms`);
  } finally {
    await dispose();
  }
  await assert.rejects(
    loadModelInWorker(manifestPath, ["cpu"], "auto", { instances: 0 }),
    /instances must be/,
  );
  // Two workers on one WebGPU device crash the process: GPU providers get one instance.
  await assert.rejects(
    loadModelInWorker(manifestPath, ["webgpu"], "auto", {
      instances: 2,
      workerUrl: new URL("./sleepy_worker.ts", import.meta.url),
    }),
    /in 2 instances: the webgpu provider runs one instance per process/,
  );
});

Deno.test("worker model: two instances of the real model give the same pixels as one", async () => {
  const one = await loadModelInWorker(manifestPath, ["cpu"], "auto");
  const two = await loadModelInWorker(manifestPath, ["cpu"], "auto", { instances: 2 });
  try {
    const batches = [latents(2, "i0"), latents(3, "i1"), latents(1, "i2")];
    const a = await Promise.all(batches.map((b) => two.model.generate(b, "misty fjord")));
    for (const [i, b] of batches.entries()) {
      const ref = await one.model.generate(b, "misty fjord");
      a[i].forEach((image, j) => assert.deepEqual(image.data, ref[j].data, `batch ${i} image ${j}`));
    }
  } finally {
    await one.dispose();
    await two.dispose();
  }
});

Deno.test("worker model: a run whose caller left is cancelled in the worker, so the next call does not wait it out", async () => {
  // The pipeline engine runs one latent per onnxruntime run, and can stop between them.
  const { model, dispose } = await loadModelInWorker(manifestPath, ["cpu"], "pipeline");
  try {
    await model.generate(latents(1, "warm"), "x");
    let t0 = performance.now();
    await model.generate(latents(48, "full"), "x");
    const full = performance.now() - t0;
    const controller = new AbortController();
    t0 = performance.now();
    const left = model.generate(latents(48, "left"), "x", { signal: controller.signal });
    await new Promise((r) => setTimeout(r, full / 8));
    controller.abort();
    await assert.rejects(left, { name: "AbortError" });
    await model.generate(latents(1, "next"), "x");
    const next = performance.now() - t0;
    // Run to its end, the abandoned batch would have held the worker for `full`.
    assert.ok(
      next < full / 2,
      `the next call took ${next.toFixed(0)} ms; a whole batch takes ${full.toFixed(0)} ms`,
    );
  } finally {
    await dispose();
  }
});

/** Runs `f` with the test workers' environment set, and clears it after. */
async function withTestEnv(vars: Record<string, string>, f: () => Promise<void>): Promise<void> {
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    await f();
  } finally {
    for (const k of Object.keys(Deno.env.toObject()).filter((k) => k.startsWith("LE_TEST_"))) {
      Deno.env.delete(k);
    }
  }
}

Deno.test("worker model: an instance that dies while another loads is started again once the model serves, and said", async () => {
  await withTestEnv({ LE_TEST_DIE_AFTER: "50", LE_TEST_LOAD_MS: "400" }, async () => {
    const events: string[] = [];
    const { model, dispose } = await loadModelInWorker(manifestPath, ["cpu"], "auto", {
      workerUrl: new URL("./stub_worker.ts", import.meta.url),
      instances: 2,
      restartMs: 50,
      onWorkerEvent: (e) => events.push(`${e.message}: ${e.error}`),
    });
    try {
      assert.equal(model.healthy?.(), false, "the first instance did not die while the second loaded");
      const until = Date.now() + 10_000;
      while (!model.healthy?.() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.equal(model.healthy?.(), true, "the instance that died is not started again");
      assert.equal(events.length, 1);
      assert.match(events[0], /^inference worker died: .*a deliberate death after loading/);
    } finally {
      await dispose();
    }
  });
});

Deno.test("worker model: dispose() ends a worker that is being started again", async () => {
  await withTestEnv({ LE_TEST_LOAD_MS: "0" }, async () => {
    const { model, dispose } = await loadModelInWorker(manifestPath, ["cpu"], "auto", {
      workerUrl: new URL("./stub_worker.ts", import.meta.url),
      restartMs: 0,
    });
    Deno.env.delete("LE_TEST_LOADED");
    Deno.env.set("LE_TEST_LOAD_MS", "600"); // the restarted worker loads slowly
    await assert.rejects(model.generate(latents(1, "crash"), "x"), /a deliberate crash/);
    await new Promise((r) => setTimeout(r, 200)); // its restart is loading
    await dispose();
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(Deno.env.get("LE_TEST_LOADED"), undefined, "a worker went on loading after dispose()");
  });
});

Deno.test("worker models: two folders whose models answer to one name are refused before any loads, naming both", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const folder of ["a", "b"]) {
      await Deno.mkdir(`${dir}/${folder}`);
      for (const file of ["manifest.json", "model.onnx"]) {
        await Deno.copyFile(
          new URL(`../../models/builtin/${file}`, import.meta.url),
          `${dir}/${folder}/${file}`,
        );
      }
    }
    await assert.rejects(
      loadModelsInWorkers(dir, ["cpu"]),
      /Cannot serve the models in a and b .*both answer to "builtin-landscape"/,
    );
    // A folder named as another model's manifest name is the same clash.
    await Deno.remove(`${dir}/b`, { recursive: true });
    await Deno.rename(`${dir}/a`, `${dir}/builtin-landscape`);
    await Deno.mkdir(`${dir}/c`);
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/builtin-landscape/manifest.json`));
    await Deno.writeTextFile(
      `${dir}/builtin-landscape/manifest.json`,
      JSON.stringify({ ...manifest, name: "other" }),
    );
    await Deno.writeTextFile(
      `${dir}/c/manifest.json`,
      JSON.stringify({ ...manifest, name: "builtin-landscape" }),
    );
    await assert.rejects(loadModelsInWorkers(dir, ["cpu"]), /both answer to "builtin-landscape"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
