// What a person meets besides the main path: replacing later generations (and bringing them back),
// a cancelled render (and rendering the rest), what is announced, asking for a selection, and an
// axe-core audit in both colour schemes (the keyboard and the focus: keyboard.test.ts).
import {
  accessibleNodes,
  announced,
  assert,
  axeViolations,
  button,
  cleanup,
  clickAt,
  evolveFrom,
  mount,
  noticeText,
  part,
  pixels,
  press,
  serverProxy,
  settle,
  shadow,
  tiles,
  uniqueKey,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";
import { emulateMedia } from "@web/test-runner-commands";

afterEach(cleanup);

const lineages = async (el: LatentEvolverElement) => {
  const { deserializeSession } = await import("../../core/mod.ts");
  return deserializeSession(new Uint8Array(await (await el.exportSession()).arrayBuffer())).generations
    .map((g) => JSON.stringify(g.lineage));
};

describe("<latent-evolver> usability", () => {
  it("an Evolve from an earlier generation says it replaced the later ones, and Bring back puts them back", async () => {
    const key = uniqueKey("bring-back");
    const el = await mount({ ...wasmElement("bring-back"), "storage-key": key });
    await evolveFrom(el, 0);
    await evolveFrom(el, 1); // generation 2 keeps the selection [1]
    tiles(el)[3].click(); // and generation 3 has one too
    const before = await lineages(el);
    assert(before.length === 3, `${before.length} generations`);

    await el.showGeneration(0);
    await settle(el);
    tiles(el)[2].click();
    const live = shadow(el).querySelector('[part~="status"] [role="status"]')!;
    const lines: string[] = [];
    const observer = new MutationObserver(() => lines.push(live.textContent!.trim()));
    observer.observe(live, { childList: true, characterData: true, subtree: true });
    await evolveFrom(el, 3); // from generation 1, selection [0, 2, 3]
    await settle(el);
    observer.disconnect();
    assert(
      (el.generationCount as number) === 2,
      `${el.generationCount} generations after evolving from the first`,
    );
    const replaced = "Generations 2-3 were replaced by a new generation 2.";
    assert(
      part(el, "notice")?.textContent?.includes(replaced),
      part(el, "notice")?.textContent ?? "no notice",
    );
    // Told once, with the line of the render it came with; not again with every change of that line.
    assert(lines.filter((l) => l.includes(replaced)).length >= 1, `announced: ${JSON.stringify(lines)}`);
    assert(announced(el) === "Generation 2 of 2, ready.", `announced: ${announced(el)}`);

    // Generation 1's marks change after the Evolve: Bring back keeps them as they are now.
    await el.showGeneration(0);
    await settle(el);
    tiles(el)[2].click();
    await settle(el);
    const shown = waitForEvent<CustomEvent>(el, "le-selection-change");
    button(el, "notice-action").click();
    await shown;
    await settle(el);
    // The first generation brought back is shown, and the notice says what came back.
    assert(
      (el.generationCount as number) === 3 && el.generation === 1,
      `${el.generationCount}, shows ${el.generation}`,
    );
    assert(
      (await lineages(el)).join() === before.join(),
      "the generations brought back are not the old ones",
    );
    const notice = part(el, "notice")?.textContent?.trim();
    assert(notice === "Brought back generations 2-3.", `notice after Bring back: ${notice}`);
    assert(el.selected.join() === "1", `generation 2's selection: ${el.selected}`);
    await el.showGeneration(0);
    assert(el.selected.join() === "0,3", `generation 1's selection, as it was just now: ${el.selected}`);
    await el.showGeneration(2);
    assert(el.selected.join() === "3", `generation 3's selection: ${el.selected}`);
    // What was brought back is what storage holds: a new element with the key restores it.
    el.remove();
    const again = await mount({ ...wasmElement("bring-back"), "storage-key": key });
    assert(
      again.generationCount === 3 && again.generation === 2 && again.selected.join() === "3",
      `restored ${again.generationCount} generations, shows ${again.generation} with ${again.selected}`,
    );
  });

  it("a double Evolve from an earlier generation is one Evolve, and a refused import changes nothing: Bring back still works", async () => {
    const el = await mount(wasmElement("double-back"));
    await evolveFrom(el, 0);
    await evolveFrom(el, 1);
    const before = await lineages(el);
    await el.showGeneration(0);
    tiles(el)[2].click(); // another answer than before: a new generation 2
    await Promise.all([el.evolve(), el.evolve()]);
    await settle(el);
    assert((el.generationCount as number) === 2, `${el.generationCount} generations`);
    // A file that is no session changes nothing: what was replaced can still be brought back.
    await el.importSession(new File(["not a session"], "notes.txt"));
    await settle(el);
    assert(part(el, "error") && part(el, "notice"), "a refused import took the Bring back notice");
    const shown = waitForEvent<CustomEvent>(el, "le-selection-change");
    button(el, "notice-action").click();
    await shown;
    assert(
      (await lineages(el)).join() === before.join(),
      "Bring back did not put back the replaced generations",
    );
  });

  it("an Evolve from an earlier generation with the answer it already had shows what that answer made, and keeps the later ones", async () => {
    const el = await mount(wasmElement("same-answer"));
    await evolveFrom(el, 0);
    await evolveFrom(el, 1);
    const before = await lineages(el);
    await el.showGeneration(0);
    await settle(el);
    assert(el.selected.join() === "0", `generation 1's answer: ${el.selected}`);
    const events: string[] = [];
    el.addEventListener("le-generation-start", (e) => events.push((e as CustomEvent).detail.reason));
    await el.evolve();
    await settle(el);
    assert(
      el.generation === 1 && (el.generationCount as number) === 3,
      `shows ${el.generation} of ${el.generationCount}`,
    );
    assert((await lineages(el)).join() === before.join(), "the generations changed");
    const notice = part(el, "notice")?.textContent ?? "";
    assert(/Generation 1 already had this answer: showing generation 2/.test(notice), `notice: "${notice}"`);
    assert(!events.includes("evolve"), `bred again: ${events}`);
  });

  it("cancel stops a render and says how many images it left out; Render the rest renders just those", async () => {
    // The server backend behind the test server's proxy, which lets exactly 3 images of the render
    // through and holds the rest: on wasm, a loaded machine sometimes rendered all 16 before the
    // cancel (or the check that the render is under way) came.
    const server = await serverProxy();
    const attributes = { ...wasmElement("cancel"), backend: "server", server, population: "16" };
    try {
      const el = await mount(attributes);
      await serverProxy({ pass: 3 });
      tiles(el)[1].click();
      const started = waitForEvent<CustomEvent>(el, "le-generation-start", (e) => e.detail.generation === 1);
      const third = waitForEvent<CustomEvent>(
        el,
        "le-generation-progress",
        (e) => e.detail.generation === 1 && e.detail.done === 3,
      );
      const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
      button(el, "evolve").click();
      await started;
      await settle(el);
      assert(/Generation 2 of 2, rendering 16 images\./.test(announced(el)), `announced: ${announced(el)}`);
      await third;
      el.cancel();
      const e = await end;
      assert(
        e.detail.cancelled && e.detail.done === 3,
        `cancel did not stop the render: ${JSON.stringify(e.detail)}`,
      );
      // The tiles whose images never came show nothing, not generation 0's images in their place, and
      // say so.
      await settle(el);
      const drawn = pixels(el).filter((image) => image.some((v) => v !== 0));
      assert(drawn.length === 3, `${drawn.length} tiles show an image, 3 were rendered`);
      const left = tiles(el).filter((t) => /\(not rendered\)/.test(t.getAttribute("aria-label")!));
      assert(left.length === 13, `${left.length} tiles say not rendered`);
      assert(tiles(el).every((t) => t.getAttribute("aria-busy") === "false"), "a tile still says it renders");
      const cancelled = part(el, "cancelled")?.textContent ?? "";
      assert(cancelled.includes("Cancelled: 3 of 16 images rendered"), `status: ${cancelled}`);
      assert(announced(el) === "Generation 2 of 2, 13 images not rendered.", `announced: ${announced(el)}`);

      await serverProxy();
      const rest = waitForEvent<CustomEvent>(el, "le-generation-start", (e) => e.detail.generation === 1);
      const all = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
      button(el, "render-rest").click();
      assert((await rest).detail.total === 13, "Render the rest renders more than the rest");
      assert(!(await all).detail.cancelled, "the rest was cancelled");
      await settle(el);
      assert(!part(el, "cancelled"), "the status still says cancelled");
      // The same as an uncancelled render of the same generation (same seed and feedback).
      const whole = await mount({ ...attributes, "storage-key": uniqueKey("uncancelled") });
      await evolveFrom(whole, 1);
      await settle(whole);
      const want = pixels(whole), got = pixels(el);
      const differ = got.flatMap((image, i) => image.every((v, j) => v === want[i][j]) ? [] : [i]);
      assert(differ.length === 0, `images ${differ} differ from an uncancelled render`);
      assert(announced(el) === "Generation 2 of 2, ready.", `announced: ${announced(el)}`);

      // The next generation runs whole.
      const errors: string[] = [];
      el.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
      const next = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 2);
      tiles(el)[0].click();
      await el.evolve();
      const n = await next.catch((error) => {
        throw new Error(`${error.message} after the cancel; errors: ${errors.join(" | ")}`);
      });
      assert(!n.detail.cancelled && n.detail.done === 16, `after a cancel: ${JSON.stringify(n.detail)}`);
    } finally {
      await serverProxy();
    }
  });

  it("an Evolve with nothing selected asks for a selection in a notice, not an error, gone once there is one; selection shows beyond colour", async () => {
    const el = await mount(wasmElement("stale"));
    const errors: string[] = [];
    el.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
    button(el, "evolve").click();
    await settle(el);
    const ask = "Select at least one image to evolve from, or press New batch.";
    assert(noticeText(el) === ask, `notice: "${noticeText(el)}"`);
    assert(!part(el, "error") && errors.length === 0, `an error: ${errors}`);
    const alert = shadow(el).querySelector('[role="alert"]')!.textContent;
    assert(alert === "" && announced(el).endsWith(ask), `alert "${alert}", announced "${announced(el)}"`);
    tiles(el)[0].click();
    await settle(el);
    assert(!part(el, "notice"), `the notice stays after a selection: ${noticeText(el)}`);
    // The count is shown and heard; so is a point marked (Shift+click).
    assert(part(el, "marks")?.textContent === "1 selected", `marks: ${part(el, "marks")?.textContent}`);
    assert(announced(el) === "Generation 1 of 1, ready. 1 selected.", `announced: ${announced(el)}`);
    const box = tiles(el)[0].getBoundingClientRect();
    await clickAt(box.left + box.width / 2, box.top + box.height / 2, ["Shift"]);
    await settle(el);
    const told = "Generation 1 of 1, ready. 1 selected, 1 point. Point 1 on image 1, centre.";
    assert(announced(el) === told, `announced: ${announced(el)}`);
    const check = getComputedStyle(tiles(el)[0], "::after").content;
    assert(check.includes("✓"), `a selected tile shows ${check}`);
    assert(getComputedStyle(tiles(el)[1], "::after").content === "none", "an unselected tile shows a check");
    tiles(el)[1].focus();
    await press("Tab", ["Shift"]);
    await press("Tab");
    const ring = getComputedStyle(tiles(el)[1]);
    assert(ring.outlineStyle === "dashed", `focus looks like selection: outline ${ring.outlineStyle}`);
  });
});

describe("<latent-evolver> accessibility", () => {
  it("the generations, Strength and marking are labelled, in words and for a screen reader; Mark points on is not Evolve", async () => {
    const el = await mount(wasmElement("labels"));
    await evolveFrom(el, 0);
    await settle(el);
    const nodes = await accessibleNodes();
    const named = (role: string, name: RegExp) =>
      nodes.filter((n) => n.role === role && name.test(n.name ?? ""));
    // The strip's numbers say what they are: a visible label names their group.
    const label = part(el, "generations-label");
    const row = shadow(el).querySelector('[part~="history"] [role="group"]');
    assert(
      label?.textContent === "Generations" && label.getBoundingClientRect().width > 0,
      "no Generations label",
    );
    assert(
      row?.getAttribute("aria-labelledby") === label.id &&
        row.querySelectorAll('[part~="generation"]').length === 2,
      `the generations' group: ${row?.outerHTML}`,
    );
    assert(named("button", /^Generation [12]$/).length === 2, "the generation buttons lost their names");
    // Strength says what it does, as Radius does, to a screen reader too (its description).
    for (const [slider, words] of [["Strength", /next generation/], ["Radius", /region/]] as const) {
      const [node] = named("slider", new RegExp(`^${slider}`));
      assert(words.test(node?.description ?? ""), `${slider}: ${JSON.stringify(node)}`);
    }

    // Marking on: the hint over the grid (the grid's description), and a Mark points unlike Evolve.
    el.marking = true;
    await settle(el);
    const hint = part(el, "marking-hint");
    assert(
      hint?.textContent === "Click an image to mark a point · Esc to stop" &&
        hint.getBoundingClientRect().height > 0,
      `hint: ${hint?.outerHTML}`,
    );
    assert(
      part(el, "grid")!.getAttribute("aria-describedby") === hint.id,
      "the grid is not described by the hint",
    );
    const background = (name: string) => getComputedStyle(button(el, name)).backgroundColor;
    assert(background("mark") !== background("evolve"), `both on ${background("evolve")}`);
    assert(
      getComputedStyle(button(el, "mark"), "::before").content.includes("✓"),
      "Mark points on has no check",
    );
    const [mark] = (await accessibleNodes()).filter((n) =>
      n.role === "button" && /Mark points/.test(n.name ?? "")
    );
    assert(
      mark?.name === "Mark points" && mark.pressed === true,
      `the check changes the name: ${JSON.stringify(mark)}`,
    );
    // Escape stops marking, as the hint says, and the hint goes.
    tiles(el)[0].focus();
    await press("Escape");
    await settle(el);
    assert(!el.marking && !part(el, "marking-hint"), "Escape did not stop marking, or the hint stays");
    assert(!part(el, "grid")!.hasAttribute("aria-describedby"), "the grid is described by no hint");
  });

  it("passes an axe-core audit", async () => {
    const el = await mount(wasmElement("axe"));
    // A selected image with a marked point: its dot and region outline are audited too.
    const r = tiles(el)[0].getBoundingClientRect();
    await clickAt(r.left + r.width / 2, r.top + r.height / 2, ["Shift"]);
    await settle(el);
    assert(shadow(el).querySelector('[part~="region"]'), "no region outline to audit");
    // Marking on: the pressed Mark points and the hint over the grid too.
    el.marking = true;
    await settle(el);
    assert(part(el, "marking-hint"), "no marking hint to audit");
    // The element follows the page's color-scheme, whatever the system prefers (emulated here the
    // other way); both schemes must stay readable (axe checks contrast).
    const surface = () => getComputedStyle(el).backgroundColor;
    try {
      for (const scheme of ["light", "dark"] as const) {
        await emulateMedia({ colorScheme: scheme === "light" ? "dark" : "light" });
        document.documentElement.style.colorScheme = scheme;
        await settle(el);
        const light = surface() === "rgb(255, 255, 255)";
        assert(light === (scheme === "light"), `a ${scheme} page shows the element on ${surface()}`);
        const violations = await axeViolations(el);
        assert(!violations, `${scheme}: ${violations}`);
      }
    } finally {
      document.documentElement.style.colorScheme = "";
      await emulateMedia({ colorScheme: "no-preference" });
    }
  });
});
