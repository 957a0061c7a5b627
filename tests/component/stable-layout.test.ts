// What keeps its place as the element's text changes: the grid's rows whatever their captions, and
// the status line's notice while a render's progress comes, counts up and goes.
import {
  accessibleNodes,
  assert,
  button,
  cleanup,
  evolveFrom,
  inWindow,
  mount,
  part,
  settle,
  shadow,
  tiles,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";

afterEach(cleanup);

describe("<latent-evolver> layout", () => {
  it("every tile is as tall whatever its caption: a long one is cut short at two lines, whole in its title (then in words) and to a screen reader", async () => {
    // Narrow tiles: "patchwork of 1.1, 1.2, 1.3, 1.4" beside the Save button needs more than two lines.
    const el = await mount({ ...wasmElement("captions"), population: "8", columns: "3" });
    el.style.width = "360px";
    el.style.setProperty("--le-tile-size", "100px");
    for (const i of [0, 1, 2, 3]) tiles(el)[i].click();
    const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    button(el, "evolve").click();
    await end;
    await settle(el);
    const tileBoxes = [...shadow(el).querySelectorAll<HTMLElement>('[part~="tile"]')].map((t) =>
      t.getBoundingClientRect().height
    );
    const captions = [...shadow(el).querySelectorAll<HTMLElement>('[part~="lineage"] > span')];
    const texts = captions.map((c) => c.textContent);
    assert(
      tileBoxes.every((h) => Math.abs(h - tileBoxes[0]) < 0.5),
      `tile heights ${JSON.stringify(tileBoxes)} for captions ${JSON.stringify(texts)}`,
    );
    // Some caption is longer than two lines here (else this test would show nothing): cut short.
    const natural = (c: HTMLElement) => {
      const copy = c.cloneNode(true) as HTMLElement;
      copy.removeAttribute("id");
      Object.assign(copy.style, {
        display: "block",
        position: "absolute",
        width: `${c.getBoundingClientRect().width}px`,
      });
      c.after(copy);
      const height = copy.getBoundingClientRect().height;
      copy.remove();
      return height;
    };
    const lineHeight = parseFloat(getComputedStyle(captions[0]).lineHeight);
    const cut = captions.filter((c) => natural(c) > 2 * lineHeight + 1);
    assert(cut.length, `no caption needed more than two lines: ${JSON.stringify(texts)}`);
    for (const c of cut) {
      const whole = c.textContent!;
      assert(/^(patchwork|blend) of 1\.1, 1\.2, 1\.3, 1\.4$/.test(whole), `a caption cut short: ${whole}`);
      assert(c.title.startsWith(whole), `its title is ${JSON.stringify(c.title)}`);
      // ...and then says in words what the numbers mean, without the operator's name.
      assert(
        /^(patchwork|blend) of 1\.1, 1\.2, 1\.3, 1\.4: a (patchwork|blend) of images 1, 2, 3 and 4 of generation 1/
          .test(c.title),
        `its title is ${JSON.stringify(c.title)}`,
      );
      assert(c.clientHeight <= 2 * lineHeight + 1, `${c.clientHeight} px shown of ${lineHeight} px lines`);
    }
    // A screen reader hears the whole caption, as the image's description.
    const index = captions.indexOf(cut[0]);
    const described = (await accessibleNodes()).find((n) => n.name?.startsWith(`Image ${index + 1}`));
    assert(
      described?.description === cut[0].textContent,
      `image ${index + 1} is described as ${JSON.stringify(described?.description)}`,
    );
  });

  it("the status line's notice keeps its place while a render's progress comes, counts up and goes", async () => {
    // A window where the toolbar and the footer stick (the notice is in the status line, not the
    // strip), and an element narrow enough that the status line wraps.
    await inWindow({ width: 1000, height: 900 }, async () => {
      // Twelve images: the count of images done grows from one digit to two.
      const el = await mount({ ...wasmElement("steady-status"), population: "12" });
      await evolveFrom(el, 0);
      const widths = [520, 640, 760, 880];
      for (const width of widths) {
        el.style.width = `${width}px`;
        await el.showGeneration(0);
        await settle(el);
        // Another answer from generation 1 replaces generation 2: a notice, shown while it renders.
        const origin = () => el.getBoundingClientRect();
        const notices: string[] = [], counts: number[] = [];
        const sample = () => {
          const notice = part(el, "notice")?.getBoundingClientRect();
          if (notice) notices.push(JSON.stringify([notice.left - origin().left, notice.top - origin().top]));
          const progress = part(el, "status")!.querySelector("progress")?.closest("label");
          if (progress) counts.push(progress.getBoundingClientRect().width);
        };
        const observer = new MutationObserver(sample);
        observer.observe(shadow(el), {
          subtree: true,
          childList: true,
          characterData: true,
          attributes: true,
        });
        const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
        try {
          // Generation 1 shows its last answer: another one, image `answer` alone, each time.
          const answer = 4 + widths.indexOf(width);
          for (const [i, t] of tiles(el).entries()) {
            if ((t.getAttribute("aria-pressed") === "true") !== (i === answer)) t.click();
          }
          button(el, "evolve").click();
          assert(!(await end).detail.cancelled, "the render was cancelled");
          await settle(el);
          sample();
        } finally {
          observer.disconnect();
        }
        const notice = part(el, "notice");
        assert(
          notice?.textContent?.includes("was replaced") && part(el, "status")!.contains(notice),
          `notice: ${notice?.outerHTML}, in ${notice?.parentElement?.outerHTML.slice(0, 40)}`,
        );
        assert(counts.length >= 2, `the progress showed ${counts.length} times`);
        assert(
          new Set(notices).size === 1,
          `at ${width} px the notice was at ${
            JSON.stringify([...new Set(notices)])
          } (relative to the element)`,
        );
        assert(
          new Set(counts).size === 1,
          `at ${width} px the progress was ${JSON.stringify(counts)} px wide`,
        );
      }
    });
  });
});
