// An import or a Bring back on its way to the worker, which answers once it has saved the session:
// held there by holding the storage it saves to. Meanwhile the notice the import replaces goes,
// Evolve and moves in the history are ignored, a changed prompt waits, and another import or a Bring
// back waits for it, Render the rest and Try again are ignored, and an image's Save saves an image
// shown whole but renders none (exportImage() neither); a worker that ends before answering an
// import has it said once the next runs.
import {
  assert,
  button,
  cleanup,
  evolveFrom,
  mount,
  noticeText,
  part,
  sameBytes,
  sessionBytes,
  settle,
  shadow,
  tiles,
  uniqueKey,
  until,
  waitForEvent,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { createStore, get } from "idb-keyval";
import { storageKeyFor } from "../../component/ui-state.ts";
import { tamperedWorkers } from "./worker-calls.ts";

afterEach(cleanup);

const attrs = (name: string, seed: string) => ({
  backend: "wasm",
  population: "3",
  seed,
  prompt: "a fjord",
  "storage-key": uniqueKey(name),
});

/**
 * Holds the store the element's worker saves the session to (idb-keyval's) in a readwrite
 * transaction of the page's, kept open by a request after each: every save waits until `release()`.
 *
 * @returns `release()`, which ends the transaction.
 */
async function holdStorage(): Promise<() => Promise<void>> {
  let held = true;
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const done = createStore("keyval-store", "keyval")("readwrite", (store) =>
    new Promise<void>((resolve) => {
      const again = () => held ? (store.get("le-test-hold").onsuccess = again) : resolve();
      again();
      opened();
    }));
  await open;
  return async () => {
    held = false;
    await done;
  };
}

/** A session of 3 generations evolved from the first again: 2 generations, and Bring back offered. */
async function branched(name: string, seed: string): Promise<LatentEvolverElement> {
  const el = await mount(attrs(name, seed));
  await evolveFrom(el, 0); // generation 1 answered [0]
  await evolveFrom(el, 1); // generation 2 answered [1]
  tiles(el)[2].click(); // generation 3: [2]
  await el.showGeneration(0);
  await evolveFrom(el, 2); // generation 1 answered [0, 2]: a new generation 2
  await settle(el);
  assert(noticeText(el).endsWith("replaced by a new generation 2. Bring back"), noticeText(el));
  return el;
}

/** The messages of the element's `le-error` events from now on. */
function errorsOf(el: HTMLElement): string[] {
  const errors: string[] = [];
  el.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
  return errors;
}

describe("<latent-evolver> import and Bring back on their way", () => {
  it("while an import is on its way its notice replaces Bring back, Evolve and Undo are ignored, a prompt waits, and another import waits for it", async () => {
    const source = await mount(attrs("swap-source", "21"));
    const one = new File([await source.exportSession()], "one.bin"); // 1 generation
    await evolveFrom(source, 0);
    await evolveFrom(source, 1);
    const three = new File([await source.exportSession()], "three.bin"); // 3 generations
    const el = await branched("swap-held", "22");
    const errors = errorsOf(el);
    const starts: string[] = [];
    el.addEventListener("le-generation-start", (e) => {
      const { generation, reason } = (e as CustomEvent).detail;
      starts.push(`${reason} ${generation}`);
    });
    const release = await holdStorage();
    let first, second;
    try {
      first = el.importSession(one);
      await until(() => noticeText(el) === "Importing one.bin…", "the import's notice replaces Bring back");
      tiles(el)[0].click();
      await el.evolve(); // would breed from the session on its way out
      await el.undo(); // would render generation 1, which the imported session does not have
      el.prompt = "a fjord at night"; // the imported session is rendered with it
      await new Promise((r) => setTimeout(r, 500)); // past the pause a prompt change waits for
      assert(el.generation === 1 && el.generationCount === 2, `generation ${el.generation + 1} shown`);
      second = el.importSession(three); // replaces the imported session, not the one before it
      await settle(el);
    } finally {
      await release();
    }
    await first;
    await second;
    await settle(el);
    assert(errors.length === 0, `errors: ${JSON.stringify(errors)}`);
    assert(starts.join() === "restore 0,restore 2", `renders: ${starts}`);
    // one.bin's session, as it started, had nothing to lose: no Bring back, and nothing of it kept.
    assert(noticeText(el) === "Imported three.bin: 3 generations.", `the notice: "${noticeText(el)}"`);
    const head = await get(storageKeyFor(el.storageKey!, "session"));
    assert(
      head?.spare === undefined,
      `kept stored for a Bring back not offered: ${JSON.stringify(head?.spare)}`,
    );
    assert(sameBytes(await sessionBytes(el), new Uint8Array(await three.arrayBuffer())), "not three.bin's");
  });

  it("an import waits for a Bring back on its way, and its own Bring back gives back what that brought back, with its marks", async () => {
    const source = await mount(attrs("swap-back-source", "21"));
    await evolveFrom(source, 0);
    const two = new File([await source.exportSession()], "two.bin");
    const el = await branched("swap-back", "23");
    const errors = errorsOf(el);
    const release = await holdStorage();
    let imported;
    try {
      button(el, "notice-action").click(); // generations 2 and 3 on their way back...
      imported = el.importSession(two); // ...as an import comes
      await settle(el);
    } finally {
      await release();
    }
    await imported;
    await settle(el);
    const notice = noticeText(el);
    assert(notice === "Imported two.bin: 2 generations, in place of 3 generations. Bring back", notice);
    const back = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    button(el, "notice-action").click();
    await back;
    await settle(el);
    // The first generation the evolve's Bring back brought back is shown, as it was when imported over.
    assert(
      (el.generationCount as number) === 3 && el.generation === 1 && el.selected.join() === "1",
      `${el.generationCount} generations, generation ${el.generation + 1} shown with ${el.selected}`,
    );
    await el.showGeneration(0);
    assert(el.selected.join() === "0,2", `generation 1's selection: ${el.selected}`);
    await el.showGeneration(2);
    assert(el.selected.join() === "2", `generation 3's selection: ${el.selected}`);
    assert(errors.length === 0 && !part(el, "error"), `errors: ${JSON.stringify(errors)}`);
  });

  it("Render the rest pressed while an import is on its way, and Try again while a Bring back is, are ignored, and an image's Save renders nothing: only the session on its way in is rendered", async () => {
    const { refuse, restore } = tamperedWorkers();
    const saved: string[] = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      saved.push(this.download);
    };
    try {
      const source = await mount(attrs("swap-rest-source", "21"));
      const one = new File([await source.exportSession()], "one.bin"); // 1 generation
      const el = await mount(attrs("swap-rest", "25"));
      const errors = errorsOf(el);
      const starts: string[] = [];
      el.addEventListener("le-generation-start", (e) => {
        const { generation, reason } = (e as CustomEvent).detail;
        starts.push(`${reason} ${generation}`);
      });
      // Generation 2's render cancelled as it starts: Render them (the rest) is offered.
      tiles(el)[0].click();
      const cancelled = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.cancelled);
      button(el, "evolve").click();
      await el.updateComplete;
      el.cancel();
      await cancelled;
      await settle(el);
      starts.length = 0;
      let release = await holdStorage();
      let imported;
      try {
        imported = el.importSession(one);
        await until(() => noticeText(el) === "Importing one.bin…", "the import is on its way");
        // Still shown (what it renders is the session on its way out, which the worker no longer has).
        button(el, "render-rest").click();
        // An image left unrendered: saving it would render it (as Render the rest does). It is
        // refused, saying why, numbered from 1 as the Save's caption is.
        shadow(el).querySelectorAll<HTMLButtonElement>('[part~="save"]')[1].click();
        await until(() => errors.length > 0, "the Save is refused");
        assert(
          errors.join() === "Cannot save image 2: it is not rendered, and cannot be while the worker " +
              "starts or another session is on its way in",
          `errors: ${JSON.stringify(errors)}`,
        );
        errors.length = 0;
        const exported = await el.exportImage(1).then(() => "exported", (e: Error) => e.message);
        assert(
          /^Cannot export image 1: it is not rendered, and cannot be .*another session is on its way in/.test(
            exported,
          ),
          exported,
        );
        await settle(el);
        const shown = part(el, "error")?.textContent ?? "";
        assert(shown.startsWith("Cannot save image 2: it is not rendered"), `shown: ${shown}`);
      } finally {
        await release();
      }
      await imported;
      await settle(el);
      assert(starts.join() === "restore 0", `renders: ${starts}`);
      assert(errors.length === 0, `errors: ${JSON.stringify(errors)}`);
      assert(saved.length === 0, `saved: ${saved}`);
      const bringBack = "Imported one.bin: 1 generation, in place of 2 generations. Bring back";
      assert(noticeText(el) === bringBack, `the notice: "${noticeText(el)}"`);

      // A render that fails (the prompt changed): Try again beside its error, and Bring back offered.
      refuse.add("render");
      const failed = waitForEvent<CustomEvent>(el, "le-error");
      el.prompt = "a fjord at dusk";
      await failed;
      refuse.clear();
      await settle(el);
      const retry = button(el, "retry");
      errors.length = starts.length = 0;
      const back = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
      release = await holdStorage();
      try {
        button(el, "notice-action").click(); // the session before the import on its way back
        await until(() => !retry.isConnected, "the error goes as Bring back starts");
        // A press that lands as the swap starts, before the update that takes its button away.
        retry.click();
        await settle(el);
      } finally {
        await release();
      }
      await back;
      await settle(el);
      assert(el.generationCount === 2, `${el.generationCount} generations brought back`);
      assert(starts.join() === "restore 1", `renders: ${starts}`);
      assert(errors.length === 0 && !part(el, "error"), `errors: ${JSON.stringify(errors)}`);

      // An image shown whole is saved while an import is on its way: the one shown, as it shows.
      release = await holdStorage();
      try {
        imported = el.importSession(one);
        await until(() => noticeText(el) === "Importing one.bin…", "the import is on its way");
        shadow(el).querySelectorAll<HTMLButtonElement>('[part~="save"]')[0].click();
        await until(() => saved.length > 0, "the image is saved");
      } finally {
        await release();
      }
      await imported;
      assert(saved.join() === "latent-evolver-g2-1.png", `saved: ${saved}`);
      assert(errors.length === 0, `errors: ${JSON.stringify(errors)}`);
    } finally {
      restore();
      HTMLAnchorElement.prototype.click = click;
    }
  });

  it("an import the worker ends before answering (restarted while it waits, or dead) is said to be cut short once the next worker runs", async () => {
    const source = await mount(attrs("swap-ended-source", "21"));
    await evolveFrom(source, 0);
    const two = new File([await source.exportSession()], "two.bin");
    const Original = globalThis.Worker;
    const workers: Worker[] = [];
    let ended = 0;
    globalThis.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        workers.push(this);
      }
      override terminate(): void {
        ended++;
        super.terminate();
      }
    };
    try {
      const el = await branched("swap-ended", "24");
      const errors = errorsOf(el);
      const cut = "Cannot import two.bin: the worker stopped before the import was done. " +
        "If the session shown is not the file's, import it again.";
      const restarted = () => waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
      // A restart while the import waits for a Bring back: not sent to the worker that ended.
      let release = await holdStorage();
      let shown;
      try {
        button(el, "notice-action").click();
        void el.importSession(two);
        await settle(el);
        shown = restarted();
        void el.restartWorker();
      } finally {
        await release();
      }
      await shown;
      await settle(el);
      assert(errors.join("\n") === cut, `errors: ${JSON.stringify(errors)}`);
      assert(part(el, "error")?.textContent?.includes(cut), "the import cut short is not shown");
      // A worker that dies while it imports: its own error first, then the import cut short.
      errors.length = 0;
      release = await holdStorage();
      let importing;
      try {
        importing = el.importSession(two);
        await until(() => noticeText(el) === "Importing two.bin…", "the import is on its way");
        shown = restarted();
        const before = ended;
        workers.at(-1)!.dispatchEvent(new ErrorEvent("error", { message: "out of memory" }));
        await until(() => ended > before, "the dead worker is ended"); // its save with it
      } finally {
        await release();
      }
      await importing;
      await shown;
      await settle(el);
      const died = "The worker stopped; restarting it and restoring the session: " +
        "The latent-evolver worker failed: out of memory";
      assert(errors.join("\n") === `${died}\n${cut}`, `errors: ${JSON.stringify(errors)}`);
    } finally {
      globalThis.Worker = Original;
    }
  });
});
