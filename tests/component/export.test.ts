// Export and import: an image as PNG carrying its genome, and the whole session as a file.
import {
  assert,
  button,
  cleanup,
  evolveFrom,
  mount,
  noticeText,
  part,
  pixels,
  press,
  sameBytes,
  serverProxy,
  sessionBytes,
  settle,
  shadow,
  tiles,
  uniqueKey,
  until,
  waitForEvent,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { loadUiState } from "../../component/ui-state.ts";
import { readGenome } from "../../component/png.ts";
import { decode } from "fast-png";
import { deserializeSession } from "../../core/mod.ts";

afterEach(cleanup);

/** The stored generation shown and marks on each, as JSON. */
const storedMarks = async (key: string) => {
  const ui = await loadUiState(key);
  return JSON.stringify(ui && { current: ui.current, selection: ui.selection, points: ui.points });
};

/** Waits for the render of a generation that ends uncancelled. */
const rendered = (el: LatentEvolverElement, generation: number) =>
  waitForEvent<CustomEvent>(
    el,
    "le-generation-end",
    (e) => e.detail.generation === generation && !e.detail.cancelled,
  );

const attrs = (name: string) => ({
  backend: "wasm",
  population: "3",
  seed: "21",
  prompt: "a fjord — ünïcode",
  "storage-key": uniqueKey(name),
});

describe("<latent-evolver> export", () => {
  it("exportImage() makes a PNG of the image whose tEXt chunk carries prompt, model, seed and lineage", async () => {
    const el = await mount(attrs("png"));
    const png = new Uint8Array(await (await el.exportImage(1)).arrayBuffer());
    const decoded = decode(png);
    assert(decoded.width === 256 && decoded.height === 256, `PNG is ${decoded.width}x${decoded.height}`);
    const genome = readGenome(png);
    assert(genome, "the PNG carries no genome");
    assert(genome.prompt === "a fjord — ünïcode", `prompt read back as "${genome.prompt}"`);
    assert(genome.seed === 21 && genome.generation === 0 && genome.index === 1, JSON.stringify(genome));
    assert(genome.modelName === "builtin-landscape" && genome.model.endsWith("/manifest.json"), genome.model);
    assert(genome.lineage.operator === "diverse", `lineage ${JSON.stringify(genome.lineage)}`);
    // The PNG's pixels are the ones shown.
    const canvas = el.shadowRoot!.querySelector<HTMLCanvasElement>('canvas[data-index="1"]')!;
    const shown = canvas.getContext("2d")!.getImageData(0, 0, 256, 256).data;
    let diff = 0;
    for (let i = 0; i < shown.length; i++) diff = Math.max(diff, Math.abs(shown[i] - decoded.data[i]));
    assert(diff === 0, `the PNG differs from the canvas by up to ${diff}`);
  });

  it("an image's Save button downloads it named as the element numbers it, from 1, with its genome's indices from 0", async () => {
    const el = await mount(attrs("save-name"));
    await evolveFrom(el, 0);
    const saved: { name: string; href: string }[] = [];
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, href: this.href });
    };
    try {
      el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="save"]')[0].click();
      const end = performance.now() + 10_000;
      while (!saved.length && performance.now() < end) await new Promise((r) => setTimeout(r, 50));
    } finally {
      HTMLAnchorElement.prototype.click = click;
    }
    assert(saved.length === 1 && saved[0].name === "latent-evolver-g2-1.png", JSON.stringify(saved));
    const genome = readGenome(new Uint8Array(await (await fetch(saved[0].href)).arrayBuffer()));
    assert(genome?.generation === 1 && genome.index === 0, JSON.stringify(genome));
    const { parents } = genome.lineage;
    assert(parents.length && parents.every((p) => p.generation === 0), JSON.stringify(genome.lineage));
  });

  it("an import while the next generation is bred shows the imported session only, with no generation of the other", async () => {
    const a = await mount(attrs("import-race-a"));
    await evolveFrom(a, 0);
    await evolveFrom(a, 1);
    const file = await a.exportSession(); // 3 generations
    const b = await mount({ ...attrs("import-race-b"), seed: "77" });
    b.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="image-button"]')[0].click();
    const starts: string[] = [];
    b.addEventListener("le-generation-start", (e) => {
      const { generation, reason } = (e as CustomEvent).detail;
      starts.push(`${reason} ${generation}`);
    });
    const evolving = b.evolve(); // the worker breeds generation 1 from b's own first batch...
    await b.importSession(file); // ...as the import arrives
    await evolving;
    await settle(b);
    assert(b.generationCount === 3 && b.generation === 2, `b has ${b.generationCount} generations`);
    assert(sameBytes(await sessionBytes(b), new Uint8Array(await file.arrayBuffer())), "the session differs");
    // The bred generation 1 of b's own session, then the imported one: never one on the other.
    assert(starts.join() === "evolve 1,restore 2", `renders: ${starts}`);
  });

  it("a session exported from one element and imported into another restores its generations", async () => {
    const a = await mount(attrs("export-a"));
    await evolveFrom(a, 0);
    const file = await a.exportSession();
    const b = await mount({ ...attrs("export-b"), seed: "99" });
    b.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="image-button"]')[0].click();
    const restored = waitForEvent<CustomEvent>(b, "le-generation-end", (e) => e.detail.generation === 1);
    // The page hears that the selection is the imported session's (none yet) rather than b's.
    const selection = waitForEvent<CustomEvent>(b, "le-selection-change", (e) => e.detail.generation === 1);
    await b.importSession(file);
    await restored;
    const { selected } = (await selection).detail;
    assert(selected.length === 0, `selection after the import: ${selected}`);
    assert(b.generationCount === 2 && b.generation === 1, `b has ${b.generationCount} generations`);
    // b's session had a selection: the notice offers it back.
    const notice = noticeText(b);
    assert(
      /^Imported the session: 2 generations, in place of 1 generation\. Bring back$/.test(notice),
      `no notice of the import: "${notice}"`,
    );
    assert(!b.shadowRoot!.querySelector("[part~=error]"), "the bad file's error stays after a good import");
    const fromB = deserializeSession(await sessionBytes(b));
    const fromA = deserializeSession(new Uint8Array(await file.arrayBuffer()));
    assert(
      fromB.generations[1].latents[0].data.every((v, i) => v === fromA.generations[1].latents[0].data[i]),
      "latents differ",
    );
  });

  it("a session file carries the last generation's selection, points and settings, which an import shows again", async () => {
    const a = await mount(attrs("pending-a"));
    await evolveFrom(a, 1); // the answer being given is generation 2's
    tiles(a)[0].click();
    tiles(a)[2].click();
    button(a, "mark").click();
    await settle(a);
    for (const i of [0, 2]) {
      tiles(a)[i].focus();
      await press("Enter"); // a point at the marker, in the middle
    }
    shadow(a).querySelector<HTMLInputElement>('[part~="mode-option"][part~="keep"] input')!.click();
    const strength = shadow(a).querySelector<HTMLInputElement>('input[type="range"]')!;
    strength.value = "0.5";
    strength.dispatchEvent(new Event("input"));
    await settle(a);
    const shown = (el: LatentEvolverElement) =>
      JSON.stringify({
        generation: el.generation,
        selected: el.selected,
        points: shadow(el).querySelectorAll('[part~="point"]').length,
        strength: part(el, "strength-value")?.textContent,
        keep: shadow(el).querySelector<HTMLInputElement>('[part~="keep"] input')?.checked,
      });
    const expected = JSON.stringify({
      generation: 1,
      selected: [0, 2],
      points: 2,
      strength: "0.50",
      keep: true,
    });
    assert(shown(a) === expected, `a shows ${shown(a)}`);
    const file = await a.exportSession();
    const b = await mount({ ...attrs("pending-b"), seed: "97" });
    await b.importSession(file);
    await settle(b);
    assert(shown(b) === expected, `after the import, b shows ${shown(b)}`);
    // ...and stores it, as marks made there would be.
    const ui = await loadUiState(b.getAttribute("storage-key")!);
    assert(ui?.selection[1]?.join() === "0,2" && ui.strength === 0.5, `stored ${JSON.stringify(ui)}`);
  });

  it("Import session in the toolbar: a button that takes a session file, and a bad file changes nothing", async () => {
    const a = await mount(attrs("import-ui-a"));
    await evolveFrom(a, 0);
    const file = new File([await a.exportSession()], "session.bin");
    const b = await mount({ ...attrs("import-ui-b"), seed: "98" });
    const label = b.shadowRoot!.querySelector<HTMLLabelElement>('[part~="import"]')!;
    const input = label.querySelector("input")!;
    // It looks like the other buttons; the native file input is there but not seen.
    const style = getComputedStyle(label),
      evolve = getComputedStyle(b.shadowRoot!.querySelector("[part~=undo]")!);
    assert(
      style.borderTopStyle === evolve.borderTopStyle && style.borderTopStyle !== "none",
      "no button border",
    );
    assert(getComputedStyle(input).opacity === "0", "the native file input shows");
    const choose = (f: File) => {
      const dt = new DataTransfer();
      dt.items.add(f);
      input.files = dt.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    };
    const failed = waitForEvent<CustomEvent>(b, "le-error");
    choose(new File(["not a session"], "notes.txt"));
    const { message, details } = (await failed).detail;
    // Said plainly; core's reason is the error's details, folded under the message.
    assert(
      message === "notes.txt is not a latent-evolver session file.",
      `the error of a bad file: ${message}`,
    );
    assert(/\(no "LEVS" signature\)$/.test(details), `the details of a bad file: ${details}`);
    await settle(b);
    const folded = b.shadowRoot!.querySelector('[part~=error] > details[part~="error-details"]');
    assert(folded?.textContent?.includes("LEVS"), `no Details in the error box: ${folded?.outerHTML}`);
    const kept = b.generationCount;
    assert(kept === 1, `a bad file changed the session: ${kept} generations`);
    const restored = waitForEvent<CustomEvent>(b, "le-generation-end", (e) => e.detail.generation === 1);
    choose(file);
    await restored;
    assert(b.generationCount === 2 && b.generation === 1, `b has ${b.generationCount} generations`);
    // b's session was as it started (nothing selected, one generation): nothing to bring back.
    const notice = noticeText(b);
    assert(/^Imported session\.bin: 2 generations\.$/.test(notice), `no notice of the import: "${notice}"`);
    assert(!b.shadowRoot!.querySelector("[part~=error]"), "the bad file's error stays after a good import");
    assert(input.value === "", "the input keeps the file, so choosing it again would do nothing");
    // A later import that fails takes the earlier one's notice away.
    const refused = waitForEvent<CustomEvent>(b, "le-error");
    choose(new File(["not a session"], "notes.txt"));
    await refused;
    await settle(b);
    const stale = b.shadowRoot!.querySelector("[part~=notice]")?.textContent;
    assert(stale === undefined, `the earlier import's notice stays beside the error: "${stale}"`);
  });

  it("Bring back after an import puts back the session it replaced: generations, the one shown, selections, points, images, and what storage holds", async () => {
    const source = await mount(attrs("bring-back-source"));
    await evolveFrom(source, 0);
    const file = new File([await source.exportSession()], "other.bin"); // 2 generations
    const key = uniqueKey("bring-back-import");
    const el = await mount({ ...attrs("unused"), seed: "55", "storage-key": key });
    await evolveFrom(el, 0); // generation 1 answered [0]
    await evolveFrom(el, 1); // generation 2 answered [1]
    tiles(el)[2].click(); // generation 3: image 3 selected, a point on image 1
    button(el, "mark").click();
    await settle(el);
    tiles(el)[0].focus();
    await press("Enter");
    button(el, "mark").click();
    await el.showGeneration(1); // generation 2 shown
    await settle(el);
    const before = { bytes: await sessionBytes(el), images: pixels(el), selected: el.selected.join() };
    const marks = await storedMarks(key);
    assert(marks.includes('"points":{"2":{"0":[{'), `the point is not stored: ${marks}`);

    await el.importSession(file);
    await settle(el);
    assert(el.generationCount === 2, `${el.generationCount} generations after the import`);
    const notice = noticeText(el);
    assert(
      notice === "Imported other.bin: 2 generations, in place of 3 generations. Bring back",
      `the notice: "${notice}"`,
    );
    tiles(el)[1].click(); // a selection on the imported session goes with it
    const back = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
    button(el, "notice-action").click();
    const { generation, done } = (await back).detail;
    assert(generation === 1 && done === 3, `rendered ${done} images of generation ${generation + 1}`);
    await settle(el);
    assert(
      (el.generationCount as number) === 3 && el.generation === 1 && el.selected.join() === before.selected,
      `${el.generationCount} generations, generation ${el.generation + 1} shown with ${el.selected}`,
    );
    assert(sameBytes(await sessionBytes(el), before.bytes), "the session brought back differs");
    const differ = pixels(el).flatMap((image, i) =>
      image.every((v, j) => v === before.images[i][j]) ? [] : [i]
    );
    assert(differ.length === 0, `images ${differ} differ from those before the import`);
    assert(!part(el, "notice"), "the notice stays after Bring back");
    await until(async () => (await storedMarks(key)) === marks, "the marks brought back are stored");

    // What was brought back is what storage holds: a new element with the key restores it.
    el.remove();
    await new Promise((r) => setTimeout(r, 300));
    const again = await mount({ ...attrs("unused"), seed: "55", "storage-key": key });
    assert(sameBytes(await sessionBytes(again), before.bytes), "storage holds another session");
    assert(
      again.generation === 1 && again.selected.join() === before.selected,
      `restored generation ${again.generation + 1} shown with ${again.selected}`,
    );
    assert((await storedMarks(key)) === marks, "the stored marks changed at the reload");
  });

  it("Bring back pressed while the imported session renders stops that render; a refused file keeps it; it brings back the session before the last import only", async () => {
    const source = await mount(attrs("levels-source"));
    await evolveFrom(source, 0);
    const first = await source.exportSession(); // 2 generations
    await evolveFrom(source, 1);
    const second = await source.exportSession(); // 3 generations
    // The server backend behind the test server's proxy, which holds the imported session's render
    // until Bring back was pressed.
    const server = await serverProxy();
    try {
      const el = await mount({ ...attrs("levels"), seed: "56", backend: "server", server });
      tiles(el)[2].click();
      await el.importSession(first);
      await settle(el);
      // A file refused changes nothing: the session the import replaced can still be brought back.
      await el.importSession(new File(["not a session"], "notes.txt"));
      await settle(el);
      assert(part(el, "error") && part(el, "notice-action"), "a refused import took Bring back away");
      await serverProxy({ pass: 0 });
      const held = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 2);
      const started = waitForEvent<CustomEvent>(
        el,
        "le-generation-start",
        (e) => e.detail.reason === "restore",
      );
      const imported = el.importSession(second);
      await started;
      await settle(el);
      assert(noticeText(el).includes("in place of 2 generations."), `the notice: "${noticeText(el)}"`);
      const back = rendered(el, 1);
      button(el, "notice-action").click();
      await serverProxy();
      const stopped = (await held).detail;
      assert(
        stopped.cancelled && stopped.done === 0,
        `the imported session's render: ${JSON.stringify(stopped)}`,
      );
      await imported;
      assert((await back).detail.done === 3, "the session brought back was not rendered whole");
      await settle(el);
      const bytes = new Uint8Array(await first.arrayBuffer());
      assert(sameBytes(await sessionBytes(el), bytes), "not the session of the first import");
      assert(el.generationCount === 2 && el.generation === 1, `${el.generationCount} generations`);
      assert(!part(el, "notice"), "a second Bring back is offered: one level only");
      // Evolving on an imported session takes Bring back away: it would drop that work.
      await el.importSession(second);
      assert(part(el, "notice-action"), "no Bring back after the import");
      await evolveFrom(el, 0);
      assert(!part(el, "notice-action"), "Bring back stays after an Evolve on the imported session");
    } finally {
      await serverProxy();
    }
  });

  it("a session with another population is refused on import, saying which population to set", async () => {
    const a = await mount(attrs("pop-a"));
    const file = await a.exportSession();
    const b = await mount({ ...attrs("pop-b"), population: "2" });
    const before = await sessionBytes(b);
    const failed = waitForEvent<CustomEvent>(b, "le-error");
    await b.importSession(file);
    const message = (await failed).detail.message;
    assert(/3 images per generation, this element 2 \(set population="3"/.test(message), message);
    const after = await sessionBytes(b);
    assert(before.length === after.length && before.every((v, i) => v === after[i]), "the session changed");
  });

  it("a worker that cannot load shows an error instead of a blank element", async () => {
    await mount(attrs("load"));
    const Ctor = customElements.get("latent-evolver") as unknown as { assetBase: string };
    const saved = Ctor.assetBase;
    Ctor.assetBase = "/no/such/folder/";
    try {
      const el = await mount(attrs("dead-worker"), false);
      const e = await waitForEvent<CustomEvent>(el, "le-error");
      assert(/worker/.test(e.detail.message), e.detail.message);
    } finally {
      Ctor.assetBase = saved;
    }
  });
});
