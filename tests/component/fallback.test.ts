// The element when its backend fails while rendering: in auto, the next backend that starts renders
// the rest, the element fires le-backend again and says so; here the server (chosen in auto where
// Chromium has only a software WebGPU adapter) goes away, and wasm takes over.
import { assert, cleanup, mount, serverProxy, settle, shadow, tiles, waitForEvent } from "./helpers.ts";
import type { BackendEvent } from "../../component/events.ts";

afterEach(cleanup);

describe("backend fallback", () => {
  it("in auto, a render the server fails is finished on wasm, with le-backend and a notice saying why", async () => {
    const url = await serverProxy();
    try {
      const el = await mount({
        backend: "auto",
        server: url,
        population: "2",
        seed: "4",
        "storage-key": "none",
      });
      assert(el.activeBackend === "server", `auto chose ${el.activeBackend}`);
      await serverProxy({ down: true });
      const switched = waitForEvent<BackendEvent>(el, "le-backend", () => true, 60000);
      const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1, 60000);
      const errors: string[] = [];
      el.addEventListener("le-error", (e) => errors.push((e as CustomEvent).detail.message));
      tiles(el)[0].click();
      await el.evolve();
      const { detail } = await switched;
      assert(
        detail.backend === "wasm" && (el.activeBackend as string) === "wasm",
        `switched to ${detail.backend}`,
      );
      const failure = detail.failures.find((f) => f.backend === "server");
      assert(/^failed while rendering: /.test(failure?.message ?? ""), JSON.stringify(detail.failures));
      const ended = (await end).detail;
      assert(!ended.cancelled && ended.done === 2, `rendered ${JSON.stringify(ended)}`);
      assert(errors.length === 0, `errors: ${errors}`);
      await settle(el);
      const notice = shadow(el).querySelector("[part~=notice]")?.textContent ?? "";
      assert(/Rendering on wasm now: server failed \(/.test(notice), `notice: "${notice}"`);
      assert(/Backend: wasm/.test(shadow(el).textContent ?? ""), "the status still names the server");
    } finally {
      await serverProxy();
    }
  });
});
