// What a person can do about an error: Try again after the model failed to start (with the controls
// that need a model disabled meanwhile) or its worker kept failing (at each render; one that cannot
// be loaded at all fails once, bundled-app.test.ts), and Dismiss for the page's attribute problems
// and for an error that blocks nothing (a refused import). A failed render's Try again is in
// server-element.test.ts; what each error says, in element.test.ts.
import {
  assert,
  cleanup,
  mount,
  part,
  serverProxy,
  settle,
  shadow,
  waitForEvent,
  wasmElement,
  workersFrom,
} from "./helpers.ts";
import type { LatentEvolverElement } from "../../component/latent-evolver.component.ts";

afterEach(cleanup);

/** The toolbar's controls that act on images (all but the prompt field), by whether they are enabled. */
const controls = (el: LatentEvolverElement, enabled: boolean) =>
  [
    ...shadow(el).querySelectorAll<HTMLButtonElement | HTMLInputElement>(
      '[part~="toolbar"] button, [part~="toolbar"] input:not([part~="prompt"])',
    ),
  ].filter((c) => c.disabled !== enabled).map((c) => c.getAttribute("part") ?? c.type);

/** The errors shown, without their buttons' labels, one box per entry. */
const boxes = (el: LatentEvolverElement) =>
  [...shadow(el).querySelectorAll('[part~="error"]')].map((box) =>
    [...box.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim()
  );

describe("<latent-evolver> errors a person can act on", () => {
  it("a model that cannot start says so plainly, disables what needs it, and Try again starts it", async () => {
    const url = await serverProxy({ down: true });
    try {
      const failed = waitForEvent<CustomEvent>(document, "le-error");
      const attributes = {
        backend: "server",
        server: url,
        population: "2",
        seed: "4",
        "storage-key": "none",
      };
      const el = await mount(attributes, false);
      const { message, details } = (await failed).detail;
      // A plain sentence first, then what failed and why (the server, unreachable), in words; the
      // developer's message in the event's details.
      assert(
        /^The images cannot be made right now\. The model could not be started: the image server at http:\/\/127\.0\.0\.1:\d+ is not answering/
          .test(message),
        message,
      );
      assert(/No backend can run .*server/.test(details), `details: ${details}`);
      await settle(el);
      assert(boxes(el).join() === message, `shown: ${boxes(el)}`);
      const on = controls(el, true);
      assert(on.length === 0 && controls(el, false).length > 4, `enabled with no model: ${on}`);
      const retry = shadow(el).querySelector<HTMLButtonElement>('[part~="error"] button[part~="retry"]');
      assert(retry, "no Try again beside the error");
      assert(!part(el, "dismiss"), "an error that blocks the images can be dismissed");
      await serverProxy();
      const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
      retry.focus();
      retry.click();
      const { generation, done } = (await end).detail;
      await settle(el);
      assert(
        generation === 0 && done === 2 && el.activeBackend === "server",
        `rendered ${generation}: ${done}`,
      );
      assert(!part(el, "error"), `the error stays: ${boxes(el)}`);
      const off = controls(el, false);
      assert(off.length === 0, `disabled once the model is ready: ${off}`);
      // The button went, before any generation existed: the focus went to the prompt field.
      const focused = shadow(el).activeElement;
      assert(focused?.matches('[part~="prompt"]'), `focus on ${focused?.outerHTML}`);
    } finally {
      await serverProxy();
    }
  });

  it("a worker that keeps failing says so with Try again, which restarts it with its restarts counted afresh", async () => {
    // Each start's worker loads, then dies at its first render, as a broken deployment's may. (One
    // whose module is not there at all is not restarted: bundled-app.test.ts.)
    const crashing = new URL("./render-crash.worker.js", import.meta.url).href;
    const restore = await workersFrom(crashing);
    const errors: string[] = [];
    const collect = (e: Event) => errors.push((e as CustomEvent).detail.message);
    document.addEventListener("le-error", collect);
    /** Waits for the element to give up, and says how often it restarted the worker on its own before. */
    const gaveUp = async () => {
      await waitForEvent<CustomEvent>(document, "le-error", (e) => /keeps failing/.test(e.detail.message));
      const restarts = errors.filter((m) => /restarting it/.test(m)).length;
      errors.length = 0;
      return restarts;
    };
    try {
      const el = await mount({ ...wasmElement("crashing"), population: "2" }, false);
      const first = await gaveUp();
      assert(first === 3, `restarted ${first} times before giving up`);
      await settle(el);
      assert(
        /^The images cannot be made right now\. The worker keeps failing/.test(boxes(el).join()),
        boxes(el).join(),
      );
      const retry = () =>
        shadow(el).querySelector<HTMLButtonElement>('[part~="error"] button[part~="retry"]');
      assert(retry(), "no Try again beside the error");
      // Tried again, still failing: restarted on its own as many times again, not given up at once.
      retry()!.click();
      const again = await gaveUp();
      assert(again === 3, `restarted ${again} times after Try again`);
      await settle(el);
      restore();
      const end = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => !e.detail.cancelled);
      retry()!.click();
      const { generation, done } = (await end).detail;
      await settle(el);
      assert(generation === 0 && done === 2, `rendered ${generation}: ${done}`);
      assert(!part(el, "error"), `the error stays: ${boxes(el)}`);
    } finally {
      restore();
      document.removeEventListener("le-error", collect);
    }
  });

  it("a worker that starts but dies at each render is not restarted for ever: it says it keeps failing, with Try again", async () => {
    // Each start loads the model and answers; each render kills the worker (an uncaught error).
    const crashing = new URL("./render-crash.worker.js", import.meta.url).href;
    const restore = await workersFrom(crashing);
    const errors: string[] = [];
    const collect = (e: Event) => errors.push((e as CustomEvent).detail.message);
    document.addEventListener("le-error", collect);
    const restarts = () => errors.filter((m) => /restarting it/.test(m));
    try {
      const el = await mount({ ...wasmElement("render-crash"), population: "2" }, false);
      // Bounded: restarted a 4th time, it would go on for ever.
      await waitForEvent(
        document,
        "le-error",
        () => /keeps failing/.test(errors.join()) || restarts().length > 3,
      );
      const died = restarts();
      assert(
        died.length === 3 && died.every((m) => /failed while rendering/.test(m)),
        `restarted ${died.length} times: ${JSON.stringify(errors)}`,
      );
      assert(
        /^The images cannot be made right now\. The worker keeps failing.*failed while rendering/.test(
          errors.at(-1)!,
        ),
        JSON.stringify(errors),
      );
      await settle(el);
      assert(
        shadow(el).querySelector('[part~="error"] button[part~="retry"]'),
        "no Try again beside the error",
      );
    } finally {
      restore();
      document.removeEventListener("le-error", collect);
    }
  });

  it("a worker whose module loaded before and cannot be loaded at its restart (a network down, files replaced) is restarted as one that died, not told to set assetBase", async () => {
    // A worker URL the test can take away: its module loads, then dies at its first render.
    const crashing = new URL("./render-crash.worker.js", import.meta.url).href;
    const source = `import ${JSON.stringify(crashing)};`;
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const restore = await workersFrom(url);
    const errors: string[] = [];
    const collect = (e: Event) => {
      errors.push((e as CustomEvent).detail.message);
      URL.revokeObjectURL(url); // gone at the first death, before the restart 250 ms later
    };
    document.addEventListener("le-error", collect);
    try {
      const el = await mount({ ...wasmElement("reloaded"), population: "2" }, false);
      await waitForEvent(document, "le-error", () => /keeps failing|could not be loaded/.test(errors.join()));
      const restarted = errors.filter((m) => /^The worker stopped; restarting it/.test(m));
      assert(
        errors.length === 4 && restarted.length === 3 && /failed while rendering/.test(errors[0]) &&
          errors.slice(1, 3).every((m) => /dynamically imported module/.test(m)) &&
          /^The images cannot be made right now\. The worker keeps failing.*dynamically imported module/.test(
            errors[3],
          ),
        JSON.stringify(errors),
      );
      assert(!/assetBase/.test(errors.join()), JSON.stringify(errors));
      await settle(el);
      assert(
        shadow(el).querySelector('[part~="error"] button[part~="retry"]'),
        "no Try again beside the error",
      );
    } finally {
      restore();
      document.removeEventListener("le-error", collect);
    }
  });

  it('backend="webgpu" in a browser without WebGPU says so and what to do, without a Try again that cannot help', async () => {
    const noWebGpu = new URL("./no-webgpu.worker.js", import.meta.url).href;
    const restore = await workersFrom(noWebGpu);
    try {
      const failed = waitForEvent<CustomEvent>(document, "le-error");
      const el = await mount({ backend: "webgpu", population: "2", seed: "4", "storage-key": "none" }, false);
      const { message, details } = (await failed).detail;
      assert(
        /^The images cannot be made here\. The model could not be started: the element is set to use WebGPU alone \(backend="webgpu"\), and this browser has no WebGPU.*set backend="auto"/
          .test(message),
        message,
      );
      assert(/No backend can run .*webgpu: this browser has no WebGPU/.test(details), `details: ${details}`);
      await settle(el);
      assert(boxes(el).join() === message, `shown: ${boxes(el)}`);
      assert(!part(el, "retry"), "a Try again that meets the same browser");
    } finally {
      restore();
    }
  });

  it('backend="webgpu" where WebGPU gives no adapter now (its GPU process restarting) says so, with Try again', async () => {
    const noAdapter = new URL("./no-webgpu.worker.js?adapter=none", import.meta.url).href;
    const restore = await workersFrom(noAdapter);
    try {
      const failed = waitForEvent<CustomEvent>(document, "le-error");
      const el = await mount({ backend: "webgpu", population: "2", seed: "4", "storage-key": "none" }, false);
      const { message } = (await failed).detail;
      assert(
        /^The images cannot be made right now\. The model could not be started: the element is set to use WebGPU alone \(backend="webgpu"\), and WebGPU has no adapter \(requestAdapter\(\) returned null\).*Try again in a moment/
          .test(message),
        message,
      );
      await settle(el);
      assert(boxes(el).join() === message, `shown: ${boxes(el)}`);
      assert(part(el, "retry"), "no Try again, where an adapter may come back");
    } finally {
      restore();
    }
  });

  it("a refused import's error, which blocks nothing, can be dismissed", async () => {
    const el = await mount(wasmElement("dismiss-import"));
    await el.importSession(new File(["not a session"], "notes.txt"));
    await settle(el);
    assert(/^notes\.txt is not a latent-evolver session file/.test(boxes(el).join()), `shown: ${boxes(el)}`);
    const dismiss = shadow(el).querySelector<HTMLButtonElement>('[part~="error"] button[part~="dismiss"]');
    assert(dismiss?.textContent === "Dismiss", `no Dismiss button: ${dismiss?.outerHTML}`);
    assert(!part(el, "retry"), "a refused import offers Try again");
    dismiss.focus();
    dismiss.click();
    await settle(el);
    assert(!part(el, "error"), `still shown: ${boxes(el)}`);
    const alert = shadow(el).querySelector('[role="alert"]')!.textContent;
    assert(alert === "", `a screen reader is still told: ${alert}`);
    const focused = shadow(el).activeElement;
    assert(focused?.matches('[part~="generation"][aria-current="true"]'), `focus on ${focused?.outerHTML}`);
  });

  it("attribute problems can be dismissed, and come back only when an attribute is set wrong again", async () => {
    const el = await mount({ ...wasmElement("dismiss"), population: "abc", columns: "0" });
    await settle(el);
    const shown = () => boxes(el).join("\n");
    assert(/population .* got "abc"\ncolumns .* got "0"$/.test(shown()), `shown: ${shown()}`);
    const dismiss = shadow(el).querySelector<HTMLButtonElement>('[part~="error"] button[part~="dismiss"]');
    assert(dismiss?.textContent === "Dismiss", `no Dismiss button: ${dismiss?.outerHTML}`);
    dismiss.focus();
    dismiss.click();
    await settle(el);
    assert(!part(el, "error"), `still shown: ${shown()}`);
    const alert = shadow(el).querySelector('[role="alert"]')!.textContent;
    assert(alert === "", `a screen reader is still told: ${alert}`);
    const focused = shadow(el).activeElement;
    assert(focused?.matches('[part~="generation"][aria-current="true"]'), `focus on ${focused?.outerHTML}`);
    // A restart reads the same wrong values again, and another attribute's change is no reason either.
    await el.restartWorker();
    el.setAttribute("radius", "0.2");
    await settle(el);
    assert(!part(el, "error"), `back after a restart: ${shown()}`);
    // Set wrong again: that attribute's problem alone comes back.
    const population = waitForEvent<CustomEvent>(el, "le-error", (e) => e.detail.attribute === "population");
    el.setAttribute("population", "0");
    await population;
    await settle(el);
    assert(/^population .* got "0"$/.test(shown()), `shown: ${shown()}`);
    el.setAttribute("columns", "2");
    await settle(el);
    el.setAttribute("columns", "0");
    await settle(el);
    assert(/^population .* got "0"\ncolumns .* got "0"$/.test(shown()), `shown: ${shown()}`);
  });
});
