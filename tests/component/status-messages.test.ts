// StatusMessages apart from the element: what a screen reader is told, and the notices (a Bring back
// kept under another notice, given back when an import is refused). Its errors: error-wording.test.ts.
import { marksSummary, StatusMessages } from "../../component/status-messages.ts";
import { assert, elementStandIn } from "./helpers.ts";

describe("StatusMessages", () => {
  it("tells a standing message (a notice, another tab saving) once: only until the rest of the line changes", () => {
    const messages = new StatusMessages(elementStandIn());
    const line = (current: number, rendering: number | null, savedElsewhere = false, marks = "") =>
      messages.announcement({
        shown: { current, count: 2 },
        marks,
        rendering,
        missing: 0,
        loading: false,
        savedElsewhere,
      });
    messages.imported("a.bin", 2);
    const imported = "Imported a.bin: 2 generations.";
    assert(line(1, 8) === `Generation 2 of 2, rendering 8 images. ${imported}`, line(1, 8));
    assert(line(1, 8).endsWith(imported), "a render of the same line dropped the notice");
    assert(line(1, null) === "Generation 2 of 2, ready.", line(1, null));
    assert(line(0, null) === "Generation 1 of 2, ready.", line(0, null));
    assert(line(1, null) === "Generation 2 of 2, ready.", "the notice was told again");
    const elsewhere = "Open in another tab, which saves it: changes here are not saved.";
    assert(line(1, null, true) === `Generation 2 of 2, ready. ${elsewhere}`, line(1, null, true));
    assert(line(0, null, true) === "Generation 1 of 2, ready.", line(0, null, true));
    messages.clear();
    messages.imported("a.bin", 2);
    assert(line(0, null).endsWith(imported), "a new notice was not told");
    // A selection or a point marked changes the line, so it is heard; the notice is not told again.
    const marked = line(0, null, false, marksSummary(2, 1));
    assert(marked === "Generation 1 of 2, ready. 2 selected, 1 point.", marked);
  });

  it("tells where a point was marked or removed once, with the count it changed", () => {
    const messages = new StatusMessages(elementStandIn());
    const line = (selected: number, points: number, point: { text: string } | null) =>
      messages.announcement({
        shown: { current: 0, count: 1 },
        marks: marksSummary(selected, points),
        point,
        rendering: null,
        missing: 0,
        loading: false,
        savedElsewhere: false,
      });
    const marked = { text: "Point 1 on image 2, top left." };
    const told = line(1, 1, marked);
    assert(told === "Generation 1 of 1, ready. 1 selected, 1 point. Point 1 on image 2, top left.", told);
    assert(line(1, 1, marked) === told, "the same line changed");
    // Another image selected: the count is told, the point not again.
    assert(line(2, 1, marked) === "Generation 1 of 1, ready. 2 selected, 1 point.", line(2, 1, marked));
    const removed = { text: "Point removed from image 2, top left." };
    const gone = line(2, 0, removed);
    assert(gone === "Generation 1 of 1, ready. 2 selected. Point removed from image 2, top left.", gone);
  });

  it("marksSummary says what is selected and marked, or nothing", () => {
    assert(marksSummary(0, 0) === "", marksSummary(0, 0));
    assert(marksSummary(1, 0) === "1 selected", marksSummary(1, 0));
    assert(marksSummary(0, 3) === "3 points", marksSummary(0, 3));
    assert(marksSummary(2, 1) === "2 selected, 1 point", marksSummary(2, 1));
  });

  it("fail() does not say twice what failed when the reason starts with it", () => {
    const messages = new StatusMessages(elementStandIn());
    const what = "Cannot bring back the generations";
    const failed = (error: Error) => (messages.fail(what, error), messages.error);
    const none = failed(new RangeError(`${what}: none were replaced since the last change`));
    assert(none === `${what}: none were replaced since the last change`, none);
    const ended = failed(new Error("the worker ended"));
    assert(ended === `${what}: the worker ended`, ended);
  });

  it("a notice of what the worker met on its own (another backend, a model not cached) keeps the Bring back it comes over", () => {
    const messages = new StatusMessages(elementStandIn());
    let brought = 0;
    messages.replaced(0, 2, () => brought++);
    messages.backendReplaced("wasm", { backend: "webgpu", message: "failed while rendering: lost" });
    const replaced = "Generations 2-3 were replaced by a new generation 2.";
    const moved = "Rendering on wasm now: webgpu failed (lost).";
    // Its own text, and apart from it the notice it came over, whose Bring back it keeps.
    assert(
      messages.notice?.text === moved && messages.notice.over?.text === replaced,
      `the notice: ${JSON.stringify(messages.notice)}`,
    );
    messages.notice?.action?.run();
    assert(messages.notice?.action?.label === "Bring back" && brought === 1, "its Bring back went");
    messages.modelNotCached("model.onnx: the quota is full");
    const cached = "The model could not be kept in this browser's cache, so the next visit downloads it " +
      "again (model.onnx: the quota is full).";
    assert(
      messages.notice?.text === cached && messages.notice.over?.text === replaced,
      `the notice: ${JSON.stringify(messages.notice)}`,
    );
    assert(messages.notice?.action?.label === "Bring back", "a model not cached took the Bring back");
    messages.clear();
    messages.modelNotCached("model.onnx: the quota is full");
    assert(!messages.notice?.action && !messages.notice?.over, "a stale Bring back");
  });

  it("asking for a selection is a notice, not an error, that keeps the Bring back it comes over and gives it back at a selection", () => {
    const errors: string[] = [];
    const host = elementStandIn();
    host.addEventListener("le-error", () => errors.push("le-error"));
    const alone = new StatusMessages(host);
    alone.askToSelect();
    const ask = "Select at least one image to evolve from, or press New batch.";
    assert(
      alone.notice?.text === ask && alone.error === "" && !errors.length,
      `error "${alone.error}" ${errors}`,
    );
    alone.selectionChanged();
    assert(alone.notice === null, `the notice stays after a selection: "${alone.notice?.text}"`);
    const messages = new StatusMessages(elementStandIn());
    let brought = 0;
    messages.replaced(0, 1, () => brought++);
    const replaced = messages.notice;
    messages.askToSelect();
    // Apart: the ask is not run into the notice whose Bring back it keeps (as if that answered it).
    assert(
      messages.notice?.text === ask && messages.notice.over === replaced,
      `the notice: ${JSON.stringify(messages.notice)}`,
    );
    const told = messages.announcement({
      shown: null,
      marks: "",
      rendering: null,
      missing: 0,
      loading: false,
      savedElsewhere: false,
    });
    assert(told === `${ask} Generation 2 was replaced by a new generation 2.`, `told: "${told}"`);
    messages.notice?.action?.run();
    assert(brought === 1, "its Bring back went");
    messages.selectionChanged();
    assert(messages.notice === replaced, `after a selection: "${messages.notice?.text}"`);
  });

  it("tells the server's retries, each once, while a request waits to be sent again", () => {
    const messages = new StatusMessages(elementStandIn());
    const line = (serverRetry: { retry: number; retries: number; busy: boolean } | null, marks = "") =>
      messages.announcement({
        shown: { current: 1, count: 2 },
        marks,
        serverRetry,
        rendering: 8,
        missing: 0,
        loading: false,
        savedElsewhere: false,
      });
    const rendering = "Generation 2 of 2, rendering 8 images.";
    const first = { retry: 1, retries: 3, busy: false }, second = { retry: 2, retries: 3, busy: true };
    const told = [
      line(first),
      line(first),
      line(second),
      line(second),
      line(second, "1 selected"),
      line(null),
    ];
    const expected = [
      `${rendering} The image server is not answering; trying again (1 of 3)…`,
      `${rendering} The image server is not answering; trying again (1 of 3)…`, // the same line: no change
      `${rendering} The image server is busy; trying again (2 of 3)…`,
      `${rendering} The image server is busy; trying again (2 of 3)…`,
      `${rendering} 1 selected.`, // told: not again with every change of the rest of the line
      rendering,
    ];
    for (const [i, text] of told.entries()) assert(text === expected[i], `line ${i}: "${text}"`);
  });

  it("an import on its way takes the notice's place; a refused file gives its Bring back back, a good one replaces it", () => {
    const messages = new StatusMessages(elementStandIn());
    const notice = () => messages.notice;
    const bringBack = () => {};
    messages.replaced(0, 1, bringBack);
    messages.backendReplaced("wasm", { backend: "webgpu", message: "failed while rendering: lost" });
    messages.importing("a.bin");
    assert(notice()?.text === "Importing a.bin…" && !notice()?.action, notice()?.text ?? "");
    messages.imported(
      "a.bin",
      new Error("Cannot read a session: not a latent-evolver session (no signature)"),
    );
    assert(notice()?.action?.run === bringBack, "a refused file took the Bring back away");
    assert(notice()?.text === "Generation 2 was replaced by a new generation 2.", notice()?.text ?? "");
    messages.importing("b.bin");
    messages.imported("b.bin", 2);
    assert(notice()?.text === "Imported b.bin: 2 generations." && !notice()?.action, notice()?.text ?? "");
    messages.importing("c.bin");
    messages.imported("c.bin", new Error("not a latent-evolver session (no signature)"));
    assert(notice() === null, `a notice with nothing to undo stays: "${notice()?.text}"`);
  });

  it("an import the worker ended before answering is said once the next worker runs, not beside its error", () => {
    const errors: string[] = [];
    const host = elementStandIn();
    host.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
    const messages = new StatusMessages(host);
    messages.importing("a.bin");
    messages.fail("The worker stopped; restarting it and restoring the session", new Error("crashed"));
    messages.importCutShort("a.bin", new DOMException("ended", "AbortError"));
    assert(messages.error.startsWith("The worker stopped") && messages.notice === null, messages.error);
    messages.clear(); // the next worker starts
    messages.started();
    const cut = "Cannot import a.bin: the worker stopped before the import was done. " +
      "If the session shown is not the file's, import it again.";
    assert(errors.length === 2 && errors[1] === cut, JSON.stringify(errors));
    messages.started();
    assert(errors.length === 2, "said again at the next start");
  });
});
