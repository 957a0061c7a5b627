// The element's state holders apart from the element: the generation history and the evolve settings.
import { GenerationHistory } from "../../component/history.ts";
import { EvolveSettings } from "../../component/evolve-settings.ts";
import type { GenerationView } from "../../component/worker/protocol.ts";
import { assert } from "./helpers.ts";

/** A generation view with `size` fresh images. */
function generation(index: number, size = 4): GenerationView {
  const lineage = Array.from(
    { length: size },
    () => ({ operator: "fresh", parents: [], seed: 0, params: {} }),
  );
  return { index, size, lineage } as unknown as GenerationView;
}

describe("GenerationHistory", () => {
  it("reset() shows the stored generation, clamped, with its marks; without UI state the last one", () => {
    const history = new GenerationHistory();
    history.reset([generation(0), generation(1), generation(2)], null);
    assert(history.current === 2 && history.selected.length === 0, `current ${history.current}`);
    history.reset([generation(0), generation(1)], { current: 5, selection: { 1: [3] }, points: {} });
    const current: number = history.current;
    assert(current === 1, `stored current not clamped: ${current}`);
    assert(history.selected.join() === "3", `selection ${history.selected}`);
  });

  it("show() moves within the history and refuses out-of-range or the shown index", () => {
    const history = new GenerationHistory();
    history.reset([generation(0), generation(1)], null);
    assert(history.show(0) && history.current === 0, "show(0) refused");
    assert(!history.show(0) && !history.show(-1) && !history.show(2), "bad show accepted");
    assert(history.shown?.index === 0, "shown is not generation 0");
  });

  it("branch() from an earlier generation drops the later ones and their marks", () => {
    const history = new GenerationHistory();
    history.reset([generation(0), generation(1), generation(2)], {
      current: 0,
      selection: { 0: [1], 2: [0] },
      points: { 2: { 0: [{ x: 0.5, y: 0.5 }] } },
    });
    history.branch(generation(1));
    assert(history.generations.length === 2 && history.current === 1, `length ${history.generations.length}`);
    const saved = history.persisted();
    assert(!saved.selection[2] && !saved.points[2], "marks of a dropped generation kept");
    assert(saved.selection[0]?.join() === "1", "marks of the parent generation lost");
  });

  it("branch() puts a generation at its own index, whatever is shown when it arrives", () => {
    const history = new GenerationHistory();
    history.reset([generation(0), generation(1)], { current: 1, selection: { 1: [2] }, points: {} });
    // Evolved twice from generation 1 (a double click): the second answer replaces the first.
    history.branch(generation(2));
    history.branch(generation(2));
    const after = { length: history.generations.length, current: history.current };
    assert(after.length === 3 && after.current === 2, `after a double evolve: ${JSON.stringify(after)}`);
    // Evolved from 2, then moved back to 0 before the answer came: it still lands after 2.
    history.show(0);
    history.branch(generation(3));
    assert(
      history.generations.map((g) => g.index).join() === "0,1,2,3" && history.current === 3,
      `generations ${history.generations.map((g) => g.index)}, current ${history.current}`,
    );
    assert(history.persisted().selection[1]?.join() === "2", "the parent's selection was dropped");
  });
});

describe("EvolveSettings", () => {
  it("read() takes the slider attributes and lists rejected ones; restore() round-trips", () => {
    const settings = new EvolveSettings();
    const problems = settings.read({ mutationStrength: "9", radius: "0.3" });
    assert(settings.radius === 0.3 && settings.strength === 1, JSON.stringify(settings.values()));
    assert(problems.length === 1 && problems[0].attribute === "mutation-strength", JSON.stringify(problems));
    settings.restore({ ...settings.values(), mode: "keep" });
    assert(settings.mode === "keep", settings.mode);
    const other = new EvolveSettings();
    other.restore(settings.values());
    assert(JSON.stringify(other.values()) === JSON.stringify(settings.values()), "restore lost a value");
  });

  it("show() gives an answered generation its answer's settings, and the person's own come back without one", () => {
    const settings = new EvolveSettings();
    settings.restore({ mode: "keep", strength: 0.5, radius: 0.2 }); // the person's, for the latest
    settings.show({ mode: "change", strength: 2, radius: 0.1 });
    assert(settings.values().strength === 2 && settings.mode === "change", JSON.stringify(settings.values()));
    assert(settings.own().strength === 0.5, `stored: ${JSON.stringify(settings.own())}`);
    settings.restore({ ...settings.values(), strength: 3 }); // a change for an Evolve from there
    settings.read({ radius: "0.3" }, (p) => p === "radius"); // the page's value is the person's
    settings.show({ strength: 1.5 }); // a session made otherwise: the rest are the person's
    assert(settings.strength === 1.5 && settings.radius === 0.3, JSON.stringify(settings.values()));
    settings.show(undefined);
    assert(
      JSON.stringify(settings.values()) === JSON.stringify({ mode: "keep", strength: 0.5, radius: 0.3 }),
      `the person's settings: ${JSON.stringify(settings.values())}`,
    );
    settings.show({ mode: "change", strength: 2, radius: 0.1 });
    settings.keep(); // an Evolve from it with them: they are the new generation's
    settings.show(undefined);
    assert(settings.values().strength === 2, `after keep(): ${JSON.stringify(settings.values())}`);
  });
});
