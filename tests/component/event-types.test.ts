// The element's events are typed wherever a page listens: on an element, the document and the
// window, whose event maps all extend GlobalEventHandlersEventMap. This file is type-checked by
// `deno check`, which rejects it where the events are declared on HTMLElementEventMap alone (the
// document's and the window's listeners then get a plain Event). In the browser it checks that an
// event reaches each of them with its detail.
import { GenerationEndEvent, LatentEvolverErrorEvent } from "../../component/events.ts";
import { assert } from "./helpers.ts";

describe("event types", () => {
  it("le-* listeners on an element, the document and the window get the event's own class", () => {
    const win = document.defaultView!; // the window (deno lint refuses the name)
    const el = document.createElement("div");
    document.body.append(el);
    const heard: string[] = [];
    const onElement = (e: HTMLElementEventMap["le-generation-end"]) =>
      heard.push(`element ${e.detail.generation}`);
    const onDocument = (e: DocumentEventMap["le-generation-end"]) => heard.push(`document ${e.detail.done}`);
    const onWindow = (e: WindowEventMap["le-generation-end"]) => heard.push(`window ${e.detail.total}`);
    const onError = (e: DocumentEventMap["le-error"]) => heard.push(`error ${e.detail.message}`);
    el.addEventListener("le-generation-end", onElement);
    document.addEventListener("le-generation-end", onDocument);
    win.addEventListener("le-generation-end", onWindow);
    document.addEventListener("le-error", onError);
    // The listener's argument is inferred from the event's name, too.
    document.addEventListener("le-generation-end", (e) => heard.push(`inferred ${e.detail.cancelled}`), {
      once: true,
    });
    // @ts-expect-error: the end event has no `detail.message`
    const _noMessage = (e: DocumentEventMap["le-generation-end"]) => e.detail.message;
    try {
      el.dispatchEvent(
        new GenerationEndEvent({ generation: 1, done: 2, total: 3, cancelled: false, lineage: [], ms: 4 }),
      );
      el.dispatchEvent(new LatentEvolverErrorEvent({ message: "m" }));
      assert(
        heard.join() === "element 1,document 2,inferred false,window 3,error m",
        `heard ${heard.join()}`,
      );
    } finally {
      el.remove();
      document.removeEventListener("le-generation-end", onDocument);
      win.removeEventListener("le-generation-end", onWindow);
      document.removeEventListener("le-error", onError);
    }
  });
});
