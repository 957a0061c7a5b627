// HistoryActions apart from the element, with a worker that answers when the test says: what an
// Evolve the worker refuses leaves in the notice (bring-back.test.ts has it with the real worker).
import { HistoryActions, type HistoryParts } from "../../component/history-actions.ts";
import { StatusMessages } from "../../component/status-messages.ts";
import { assert } from "./helpers.ts";

describe("HistoryActions", () => {
  it("an Evolve the worker refuses gives back the Bring back it took away, unless a notice came meanwhile", async () => {
    const host = Object.assign(new EventTarget(), {
      addController() {},
      removeController() {},
      requestUpdate() {},
      updateComplete: Promise.resolve(true),
      prompt: "a fjord",
      renderRoot: document.createElement("div"),
      shadowRoot: null,
    });
    const messages = new StatusMessages(host);
    let refuse = () => {};
    const api = {
      evolve: () =>
        new Promise((
          _,
          reject,
        ) => (refuse = () => reject(new RangeError("Cannot evolve from generation -1")))),
      cancel() {},
    };
    // A session of one generation, its first image selected and rendered.
    const session = {
      started: true,
      feedback: () => ({ selected: [0] }),
      unrendered: () => false,
      history: { current: 0, generations: [{}] },
      renderer: { renderedPrompt: "a fjord", busy: false },
    };
    const parts = { session, messages, tiles: {}, api: () => api, persist() {} };
    const actions = new HistoryActions(host, parts as unknown as HistoryParts);
    /** Evolves; while the worker breeds, `meanwhile` runs; then the worker refuses. */
    const refused = async (meanwhile: () => void) => {
      const evolving = actions.evolve(false);
      meanwhile();
      refuse();
      await evolving;
    };

    messages.replaced(0, 1, () => {});
    const offered = messages.notice;
    await refused(() => assert(messages.notice === null, "Bring back offered while the worker breeds"));
    assert(messages.notice === offered, `after a refused Evolve: ${messages.notice?.text}`);
    assert(/^Evolve failed: Cannot evolve from generation -1/.test(messages.error), messages.error);

    // What the worker said while it bred is newer than the Bring back, and stays.
    await refused(() => messages.modelNotCached("model.onnx: the quota is full"));
    const notice = messages.notice?.text ?? "";
    assert(
      /^The model could not be kept in this browser's cache/.test(notice),
      `after a refused Evolve: ${notice}`,
    );
  });
});
