// The element's pure helpers: attribute parsing, selection/point bookkeeping, PNG genome, lineage text
// (the page's policy: page-policy.test.ts).
import { HANDOVER_MS, StorageLock } from "../../component/storage-lock.ts";
import { parseBackend, parseInteger, readControls, readEngineConfig } from "../../component/attributes.ts";
import { Marks } from "../../component/marks.ts";
import { encodePngWithGenome, readGenome } from "../../component/png.ts";
import { describeLineage, explainLineage } from "../../component/lineage-text.ts";
import { sticking } from "../../component/sticky-controls.ts";
import { assert } from "./helpers.ts";

describe("attributes", () => {
  it("parseInteger() keeps valid values and rejects others with a message naming the value", () => {
    assert(parseInteger("population", "12", 8, 1, 64).value === 12, "12 not kept");
    const bad = parseInteger("population", "2.5", 8, 1, 64);
    assert(
      bad.value === 8 && bad.error === 'population must be an integer from 1 to 64, got "2.5"',
      bad.error!,
    );
    assert(parseInteger("population", null, 8, 1, 64).error === undefined, "absent is not an error");
  });

  it("parseBackend() rejects unknown names and server without a URL", () => {
    assert(parseBackend("gpu", "").error?.includes('"gpu"'), "gpu accepted");
    assert(parseBackend("server", "").error?.includes("server attribute"), "server without URL accepted");
    assert(parseBackend("server", "http://x/").value === "server", "server with URL rejected");
  });

  it("readEngineConfig() resolves URLs against the page and defaults the model to the built-in one", () => {
    const { config, problems } = readEngineConfig(
      { server: "/api/", population: "100", storageKey: "none", seed: "abc" },
      "https://site.example/app/",
      () => "https://cdn.example/models/builtin/manifest.json",
    );
    assert(config.server === "https://site.example/api/", config.server);
    assert(config.model === "https://cdn.example/models/builtin/manifest.json", config.model);
    assert(config.population === 8 && problems[0].attribute === "population", JSON.stringify(problems));
    assert(config.storageKey === null && config.seed === "abc", "storage none or string seed lost");
  });

  it("readEngineConfig() takes a server token, and rejects one that cannot be a header without repeating it", () => {
    const read = (serverToken: string | null) =>
      readEngineConfig(
        { serverToken, storageKey: "none" },
        "https://a.example/",
        () => "https://cdn.example/m.json",
      );
    assert(read(" abc.DEF-123_~+/= ").config.serverToken === "abc.DEF-123_~+/=", "token not taken");
    assert(read(null).config.serverToken === "", "no token is not empty");
    for (const bad of ["two words", "line\nbreak", "é"]) {
      const { config, problems } = read(bad);
      assert(
        config.serverToken === "" && problems[0]?.attribute === "server-token",
        JSON.stringify(problems),
      );
      assert(!problems[0].message.includes(bad), `the message repeats the token: ${problems[0].message}`);
    }
  });

  it("readControls() bounds strength, radius and columns", () => {
    const c = readControls({ mutationStrength: "4", radius: "0.3", columns: "17" });
    assert(c.strength === 1 && c.radius === 0.3 && c.columns === 0, JSON.stringify(c));
    assert(
      c.problems.map((p) => p.attribute).join() === "mutation-strength,columns",
      JSON.stringify(c.problems),
    );
  });

  it("numbers set as properties (as React, Vue and Svelte bind them) read as their text; other values are rejected", () => {
    const { config, problems } = readEngineConfig(
      { population: 2, seed: 7, storageKey: "none" },
      "https://a.example/",
      () => "https://cdn.example/m.json",
    );
    assert(
      config.population === 2 && config.seed === 7 && problems.length === 0,
      JSON.stringify({ config, problems }),
    );
    const c = readControls({ mutationStrength: 0.5, radius: 0.3, columns: 3 });
    assert(
      c.strength === 0.5 && c.radius === 0.3 && c.columns === 3 && c.problems.length === 0,
      JSON.stringify(c),
    );
    const bad = parseInteger("population", 2.5, 8, 1, 64);
    assert(
      bad.value === 8 && bad.error === 'population must be an integer from 1 to 64, got "2.5"',
      bad.error!,
    );
    const odd = readEngineConfig(
      { population: {} as never },
      "https://a.example/",
      () => "https://cdn.example/m.json",
    );
    assert(
      odd.config.population === 8 && odd.problems[0]?.message.includes('got "[object Object]"'),
      JSON.stringify(odd.problems),
    );
  });
});

describe("StorageLock", () => {
  const holdFor = (name: string, ms: number) =>
    new Promise<void>((granted) => {
      void navigator.locks.request(name, () => (granted(), new Promise((r) => setTimeout(r, ms))));
    });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Counts what a lock tells its element. */
  const counter = () => {
    const n = { taken: 0, lost: 0 };
    return { n, events: { onTaken: () => n.taken++, onLost: () => n.lost++ } };
  };
  const setHidden = (hidden: boolean) => {
    if (hidden) Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    else delete (document as { visibilityState?: string }).visibilityState; // the prototype's getter again
    document.dispatchEvent(new Event("visibilitychange"));
  };

  it("takes a free key; a second taker waits, and takes it when the first releases", async () => {
    const first = await StorageLock.take("unit-a", counter().events);
    const { n, events } = counter();
    const second = await StorageLock.take("unit-a", events);
    assert(first.held && !second.held, "both or neither hold the key");
    first.release();
    await pause(100);
    assert(second.held && n.taken === 1, `second held ${second.held}, taken ${n.taken}`);
    second.release();
    const third = await StorageLock.take("unit-a", counter().events);
    assert(third.held, "a released key is not free");
    third.release();
  });

  it("a holder that lets go within the handover does not count as another tab", async () => {
    await holdFor("latent-evolver:unit-b", HANDOVER_MS / 5);
    const { n, events } = counter();
    const lock = await StorageLock.take("unit-b", events);
    assert(lock.held && n.taken === 0, `held ${lock.held}, taken ${n.taken}`);
    lock.release();
    await holdFor("latent-evolver:unit-c", HANDOVER_MS * 2);
    const later = await StorageLock.take("unit-c", events);
    assert(!later.held, "a holder past the handover was not waited out");
    later.release(); // stops waiting: never taken
    await pause(HANDOVER_MS * 2);
    assert(!later.held && n.taken === 0, "a released waiter took the key");
  });

  it("steal() takes the key from its holder, which is told and waits to take it back", async () => {
    const a = counter(), b = counter();
    const holder = await StorageLock.take("unit-d", a.events);
    const other = await StorageLock.take("unit-d", b.events);
    await other.steal();
    await pause(50);
    assert(
      other.held && !holder.held && a.n.lost === 1,
      `held ${other.held}/${holder.held}, lost ${a.n.lost}`,
    );
    other.release();
    await pause(100);
    assert(holder.held && a.n.taken === 1, "the robbed holder did not take the key back once free");
    holder.release();
  });

  it("only a visible page waits for the key: a hidden one takes it once it is shown", async () => {
    const holder = await StorageLock.take("unit-e", counter().events);
    const { n, events } = counter();
    setHidden(true);
    try {
      const waiter = await StorageLock.take("unit-e", events);
      holder.release();
      await pause(100);
      assert(!waiter.held && n.taken === 0, "a hidden page took the key (it would take it from a reload)");
      setHidden(false);
      await pause(100);
      assert(waiter.held && Number(n.taken) === 1, "shown, it did not take the free key");
      waiter.release();
    } finally {
      setHidden(false);
    }
  });
});

describe("Marks", () => {
  it("addPoint() selects the image; removePoint() and toggle() undo it; feedback has only selected points", () => {
    const m = new Marks();
    m.addPoint(0, 3, { x: 0.1, y: 0.2 });
    m.addPoint(0, 1, { x: 0.5, y: 0.5 });
    assert(m.selected(0).join() === "1,3", `selected ${m.selected(0)}`);
    m.toggle(0, 1);
    assert(Object.keys(m.feedbackPoints(0)).join() === "3", "feedback lists a deselected image");
    m.removePoint(0, 3, 0);
    assert(m.pointsOn(0, 3).length === 0 && !(3 in m.pointsOf(0)), "point not removed");
  });

  it("dropAfter() forgets later generations only", () => {
    const m = new Marks({ 0: [1], 1: [2], 2: [0] }, { 2: { 0: [{ x: 0, y: 0 }] } });
    m.dropAfter(1);
    assert(
      m.selected(1).join() === "2" && m.selected(2).length === 0 && !m.points[2],
      "wrong generations dropped",
    );
  });
});

/** A child's lineage from its operator and its parents as `[generation, index]` pairs. */
function lineage(operator: string, parents: [number, number][], params = {}) {
  return {
    operator,
    parents: parents.map(([generation, index]) => ({ generation, index })),
    seed: 1,
    params,
  };
}

describe("PNG genome", () => {
  it("encodePngWithGenome() round-trips a non-Latin-1 prompt through tEXt", () => {
    const lineage = {
      operator: "voronoi-crossover",
      parents: [{ generation: 0, index: 1 }],
      seed: 9,
      params: {},
    };
    const genome = {
      prompt: "雪の富士 — snow",
      model: "m.json",
      modelName: "m",
      seed: "s",
      generation: 1,
      index: 0,
      lineage,
    };
    const png = encodePngWithGenome(2, 1, new Uint8ClampedArray(8).fill(200), genome);
    assert(JSON.stringify(readGenome(png)) === JSON.stringify(genome), "genome changed");
  });

  it("encodePngWithGenome() refuses pixels of the wrong length", () => {
    const lineage = { operator: "random", parents: [], seed: 1, params: {} };
    const genome = { prompt: "", model: "", modelName: "", seed: 1, generation: 0, index: 0, lineage };
    let message = "";
    try {
      encodePngWithGenome(2, 2, new Uint8ClampedArray(4), genome);
    } catch (e) {
      message = (e as Error).message;
    }
    assert(message === "Cannot export PNG: expected 16 RGBA bytes for 2x2, got 4", message);
  });

  it("describeLineage() says what each operator did in words, numbering parents from 1", () => {
    const said = (operator: string, parents: [number, number][], params = {}) =>
      describeLineage(lineage(operator, parents, params));
    const got = [
      said("diverse", []),
      said("random", []),
      said("elite", [[2, 0]]),
      said("global-mutation", [[0, 3]]),
      said("mean-mutation", [[1, 0], [1, 2]]),
      said("voronoi-crossover", [[1, 0], [1, 2]]),
      said("region-crossover", [[1, 1], [1, 3]]),
      said("local-mutation", [[3, 1]], { mode: "change" }),
      said("local-mutation", [[3, 1]], { mode: "keep" }),
      said("some-new-operator", [[0, 0]]),
    ];
    const want = [
      "new",
      "new",
      "kept 3.1",
      "variation of 1.4",
      "blend of 2.1, 2.3",
      "patchwork of 2.1, 2.3",
      "marked regions of 2.2, 2.4",
      "4.2 with marked regions changed",
      "4.2 with marked regions kept",
      "some-new-operator 1.1",
    ];
    assert(got.join("|") === want.join("|"), got.join("|"));
  });

  it("explainLineage() spells out the caption's numbers and what was done, with no operator name", () => {
    const said = (operator: string, parents: [number, number][], params = {}) =>
      explainLineage(lineage(operator, parents, params));
    const got = [
      said("diverse", []),
      said("elite", [[0, 1]]),
      said("global-mutation", [[0, 3]]),
      said("mean-mutation", [[1, 0], [1, 2]]),
      said("voronoi-crossover", [[1, 0], [1, 2], [1, 5]]),
      said("region-crossover", [[0, 1], [0, 4]]),
      said("local-mutation", [[3, 1]], { mode: "change" }),
      said("local-mutation", [[3, 1]], { mode: "keep" }),
      said("some-new-operator", [[0, 0], [2, 1]]),
    ];
    const want = [
      "a new image, bred from none",
      "image 2 of generation 1, kept as it was",
      "a variation of image 4 of generation 1",
      "a blend of images 1 and 3 of generation 2, then varied",
      "a patchwork of images 1, 3 and 6 of generation 2",
      "the marked regions of images 2 and 5 of generation 1, put together",
      "image 2 of generation 4 with its marked regions changed",
      "image 2 of generation 4 with its marked regions kept and the rest changed",
      "made from image 1 of generation 1 and image 2 of generation 3",
    ];
    assert(got.join("|") === want.join("|"), got.join("|"));
  });

  it("sticking() keeps the toolbar in view while it takes a fifth of the window, with the footer while it takes a quarter; else pins the strip", () => {
    const got = [
      sticking(70, 70, 0, 800),
      sticking(100, 70, 40, 375),
      sticking(160, 180, 40, 720),
      sticking(120, 150, 0, 600),
      sticking(120, 151, 0, 600),
    ];
    const want = [
      { toolbar: true, footer: true, strip: false, coversTop: 70, coversBottom: 70 },
      // The toolbar too tall (a phone on its side): the strip alone, whatever the footer's height.
      { toolbar: false, footer: false, strip: true, coversTop: 0, coversBottom: 40 },
      { toolbar: false, footer: false, strip: true, coversTop: 0, coversBottom: 40 },
      { toolbar: true, footer: true, strip: false, coversTop: 120, coversBottom: 150 },
      { toolbar: true, footer: false, strip: false, coversTop: 120, coversBottom: 0 },
    ];
    assert(JSON.stringify(got) === JSON.stringify(want), JSON.stringify(got));
  });
});
