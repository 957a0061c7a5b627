// The element's controls for people on the keyboard and under a long grid: the grid as one Tab stop,
// selecting while marking, Change and Keep as radio buttons, and the toolbar and footer that stick.
import {
  assert,
  button,
  cleanup,
  clickAt,
  evolveFrom,
  frames,
  mount,
  part,
  press,
  settle,
  shadow,
  tiles,
  waitForEvent,
  wasmElement,
} from "./helpers.ts";

afterEach(cleanup);

describe("<latent-evolver> controls", () => {
  it("the grid is one Tab stop: arrow keys, Home and End move between images, Tab leaves after its Save", async () => {
    const el = await mount({ ...wasmElement("roving"), population: "8", columns: "4" });
    const focused = () => shadow(el).activeElement as HTMLElement | null;
    const image = () => tiles(el).indexOf(focused() as HTMLButtonElement);
    [...shadow(el).querySelectorAll<HTMLInputElement>('[part~="toolbar"] input')].at(-1)!.focus();
    await press("Tab");
    assert(image() === 0, `Tab into the grid focused ${focused()?.outerHTML}`);
    const moves: [string, number][] = [["ArrowRight", 1], ["ArrowDown", 5], ["End", 7], ["ArrowUp", 3], [
      "Home",
      0,
    ], ["ArrowLeft", 0]];
    for (const [key, want] of moves) {
      await press(key);
      assert(image() === want, `${key} focused image ${image() + 1}, expected ${want + 1}`);
    }
    await press("ArrowDown");
    await press("ArrowRight"); // image 6
    await press("Tab");
    assert(
      focused() === shadow(el).querySelectorAll('[part~="save"]')[5],
      `Tab went to ${focused()?.outerHTML}`,
    );
    await press("Tab");
    assert(
      !focused()?.closest('[part~="grid"]'),
      `the second Tab stays in the grid: ${focused()?.outerHTML}`,
    );
    await press("Tab", ["Shift"]);
    await press("Tab", ["Shift"]);
    assert(image() === 5, `Shift+Tab back into the grid focused ${focused()?.outerHTML}, not image 6`);
    const stops = [...shadow(el).querySelectorAll<HTMLElement>('[part~="grid"] button')].filter((b) =>
      b.tabIndex >= 0
    );
    assert(
      stops.length === 2,
      `${stops.length} Tab stops in a grid of 8 images, expected the image and its Save`,
    );
    await press(" ");
    await settle(el);
    assert(el.selected.join() === "5", `Space selected ${el.selected}`);
  });

  it("while marking, Space and Ctrl+click select and deselect, Enter and a click mark, Tab goes image to image", async () => {
    const el = await mount({ ...wasmElement("marking-select"), population: "8" });
    el.marking = true;
    await settle(el);
    const points = () => shadow(el).querySelectorAll('[part~="point"]').length;
    tiles(el)[2].focus();
    await press(" ");
    await settle(el);
    assert(
      el.selected.join() === "2" && points() === 0,
      `Space: selected ${el.selected}, ${points()} points`,
    );
    await press(" ");
    await settle(el);
    assert(el.selected.length === 0, `a second Space left ${el.selected} selected`);
    // Firefox clicks a button on Space's keyup even after the keydown's preventDefault: the keyup is
    // cancelled too, or Space would also mark a point there.
    const up = new KeyboardEvent("keyup", { key: " ", bubbles: true, cancelable: true, composed: true });
    tiles(el)[1].dispatchEvent(up);
    assert(up.defaultPrevented, "Space's keyup is not cancelled while marking");
    await press("Enter");
    await settle(el);
    assert(
      el.selected.join() === "2" && points() === 1,
      `Enter: selected ${el.selected}, ${points()} points`,
    );
    await press(" ");
    await settle(el);
    assert(el.selected.length === 0 && points() === 1, "Space deselects an image with a point, keeping it");
    await press("Tab"); // its point
    await press("Tab"); // its Save
    await press("Tab");
    assert(shadow(el).activeElement === tiles(el)[3], `Tab went to ${shadow(el).activeElement?.outerHTML}`);
    const r = tiles(el)[4].getBoundingClientRect();
    await clickAt(r.left + r.width / 2, r.top + r.height / 3, ["Control"]);
    await settle(el);
    assert(
      el.selected.join() === "4" && points() === 1,
      `Ctrl+click: selected ${el.selected}, ${points()} points`,
    );
    await clickAt(r.left + r.width / 2, r.top + r.height / 3, ["Control"]);
    await settle(el);
    assert(el.selected.length === 0, `a second Ctrl+click left ${el.selected} selected`);
    await clickAt(r.left + r.width / 2, r.top + r.height / 3);
    await settle(el);
    assert(
      el.selected.join() === "4" && points() === 2,
      `a click: selected ${el.selected}, ${points()} points`,
    );
  });

  it("Change and Keep are two radio buttons whose swatches are the colours of the points", async () => {
    const el = await mount(wasmElement("mode-radios"));
    tiles(el)[0].click();
    el.marking = true;
    await settle(el);
    tiles(el)[0].click();
    await settle(el);
    const group = part(el, "mode")!;
    assert(group.getAttribute("role") === "radiogroup", "the modes are not a radio group");
    const radio = (mode: string) => group.querySelector<HTMLInputElement>(`input[value="${mode}"]`)!;
    const colour = (selector: string) =>
      getComputedStyle(shadow(el).querySelector(selector)!).backgroundColor;
    assert(radio("change").checked && !radio("keep").checked, "Change is not the default");
    assert(
      colour('[part~="point"]') === colour(".swatch.change"),
      `a change point is ${colour('[part~="point"]')}, its swatch ${colour(".swatch.change")}`,
    );
    part(el, "keep")!.click(); // the label
    await settle(el);
    assert(radio("keep").checked && !radio("change").checked, "clicking Keep did not check it");
    assert(
      colour('[part~="point"]') === colour(".swatch.keep") &&
        colour(".swatch.keep") !== colour(".swatch.change"),
      `a keep point is ${colour('[part~="point"]')}, its swatch ${colour(".swatch.keep")}`,
    );
    radio("keep").focus();
    await press("ArrowLeft"); // a radio group's own keys
    await settle(el);
    assert(radio("change").checked, "ArrowLeft did not go back to Change");
    const sent = waitForEvent<CustomEvent>(el, "le-generation-end", (e) => e.detail.generation === 1);
    part(el, "keep")!.click();
    await settle(el);
    button(el, "evolve").click();
    await sent;
    // One image with a point: local mutation in the mode chosen, recorded in the lineage.
    const { deserializeSession } = await import("../../core/mod.ts");
    const session = deserializeSession(new Uint8Array(await (await el.exportSession()).arrayBuffer()));
    const modes = session.generations[1].lineage.map((l) => l.params.mode).filter(Boolean);
    assert(modes.length > 0 && modes.every((m) => m === "keep"), `children bred in modes ${modes}`);
  });

  it("under a long grid the toolbar and the history strip with the status stay in view; the strip shows the generation shown", async () => {
    const el = await mount({ ...wasmElement("sticky"), population: "32", columns: "4" });
    const inView = (e: Element) => {
      const r = e.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= innerHeight && r.height > 0;
    };
    const grid = part(el, "grid")!.getBoundingClientRect();
    assert(grid.height > 2 * innerHeight, `the grid is ${grid.height} px high, the window ${innerHeight}`);
    scrollTo(0, scrollY + grid.top + grid.height / 2 - innerHeight / 2);
    // What sticks is measured after a layout (a ResizeObserver), and rendered a frame later.
    const sticks = (e: Element) => getComputedStyle(e).position === "sticky";
    await frames(() => sticks(part(el, "toolbar")!));
    for (const name of ["evolve", "cancel", "status"]) {
      assert(
        inView(part(el, name)!),
        `${name} is out of view: ${JSON.stringify(part(el, name)!.getBoundingClientRect())} (toolbar ${
          getComputedStyle(part(el, "toolbar")!).position
        } ${part(el, "toolbar")!.getBoundingClientRect().height} px, footer ${
          shadow(el).querySelector(".footer")!.getBoundingClientRect().height
        } px, window ${innerHeight} px)`,
      );
    }
    // What stays in view covers no more than a third of the window.
    const covered = part(el, "toolbar")!.getBoundingClientRect().height +
      shadow(el).querySelector(".footer")!.getBoundingClientRect().height;
    assert(covered < innerHeight / 3, `toolbar and footer cover ${covered} px of ${innerHeight}`);
    // An image focused from the keyboard is not left under the toolbar or the footer (WCAG 2.4.11).
    const toolbarBottom = () => part(el, "toolbar")!.getBoundingClientRect().bottom;
    const footerTop = () => shadow(el).querySelector(".footer")!.getBoundingClientRect().top;
    const below = tiles(el).find((t) => t.getBoundingClientRect().top > footerTop())!;
    below.focus();
    await press("ArrowDown");
    await press("ArrowUp");
    for (const key of ["ArrowDown", "ArrowDown", "ArrowUp", "ArrowUp", "ArrowUp", "ArrowUp"]) {
      await press(key);
      const r = (shadow(el).activeElement as HTMLElement).getBoundingClientRect();
      assert(
        r.top >= toolbarBottom() - 1 && r.bottom <= footerTop() + 1,
        `after ${key} the focused image (${r.top}-${r.bottom}) is under the toolbar (to ${toolbarBottom()}) or the footer (from ${footerTop()})`,
      );
    }
    scrollTo(0, 0);

    // A narrow element wraps its toolbar to several lines: it stops sticking (at most a fifth of the window).
    el.style.width = "20rem";
    // A ResizeObserver measures again; it reports only while the browser renders the page, which a
    // test page may not be: the window's resize event, also listened to, is sent.
    dispatchEvent(new Event("resize"));
    const toolbar = part(el, "toolbar")!;
    await frames(() => !sticks(toolbar));
    assert(
      getComputedStyle(toolbar).position === "static" &&
        toolbar.getBoundingClientRect().height > innerHeight / 5,
      `a ${toolbar.getBoundingClientRect().height} px toolbar is ${getComputedStyle(toolbar).position}`,
    );

    // Many generations in a narrow element: one line that scrolls sideways to the one shown.
    el.setAttribute("population", "2");
    await waitForEvent(el, "le-generation-end", (e: CustomEvent) => !e.detail.cancelled);
    for (let g = 0; g < 11; g++) await evolveFrom(el, 0);
    await settle(el);
    const row = shadow(el).querySelector<HTMLElement>(".generations")!;
    const buttons = [...row.querySelectorAll('[part~="generation"]')];
    assert(buttons.length === 12, `${buttons.length} generation buttons`);
    assert(
      new Set(buttons.map((b) => b.getBoundingClientRect().top)).size === 1,
      "the generations wrap to a second line",
    );
    const visible = (b: Element) => {
      const r = b.getBoundingClientRect(), box = row.getBoundingClientRect();
      return r.left >= box.left - 1 && r.right <= box.right + 1;
    };
    assert(row.scrollWidth > row.clientWidth && visible(buttons[11]), "the last generation is not in view");
    await el.showGeneration(0);
    await settle(el);
    assert(
      visible(buttons[0]) && row.scrollLeft === 0,
      `generation 1 shown, row scrolled to ${row.scrollLeft}`,
    );
    // Scrolled by the person, the row stays where they left it through updates that show nothing new.
    row.scrollLeft = row.scrollWidth;
    const left = row.scrollLeft;
    el.radius = "0.3";
    await settle(el);
    assert(row.scrollLeft === left && left > 0, `the row went back from ${left} to ${row.scrollLeft}`);
  });

  it("what sticks changes with no ResizeObserver loop error, even when that moves an error", async () => {
    const el = await mount({ ...wasmElement("sticky-loop"), radius: "not a number" });
    const footer = shadow(el).querySelector(".footer")!;
    const loops: string[] = [];
    const onError = (e: ErrorEvent) => {
      if (/ResizeObserver/.test(e.message)) loops.push(e.message), e.preventDefault();
    };
    addEventListener("error", onError);
    const tall = document.createElement("style");
    tall.textContent = "latent-evolver::part(history) { min-height: 80vh; }";
    try {
      await frames(() =>
        getComputedStyle(footer).position === "sticky" && footer.contains(part(el, "error"))
      );
      assert(footer.contains(part(el, "error")), "the error is not in the sticky footer");
      // A screen reader hears the error once: from one live region that stays where it is, not from
      // the error box, which moves (a live region inserted anew is read out again).
      const alerts =
        () => [...shadow(el).querySelectorAll('[role="alert"], [aria-live]:not([role="status"])')];
      const [alert] = alerts();
      const told = alert?.textContent ?? "";
      assert(
        alerts().length === 1 && /radius/.test(told),
        `live regions: ${alerts().map((a) => a.outerHTML)}`,
      );
      // The footer grows past a quarter of the window: it stops sticking, and its error moves above
      // the toolbar, resizing the footer the observer has just measured; and back.
      // A resize event measures at once. The observer reports only in a frame, and this machine's
      // Chromium sometimes draws none for seconds (the page visible and focused).
      document.head.append(tall);
      dispatchEvent(new Event("resize"));
      await frames(() => getComputedStyle(footer).position === "static");
      await frames(() => !!part(el, "error") && !footer.contains(part(el, "error")));
      assert(part(el, "error") && !footer.contains(part(el, "error")), "the error did not move up");
      assert(alerts().length === 1 && alerts()[0] === alert && alert.textContent === told, "the alert moved");
      tall.remove();
      dispatchEvent(new Event("resize"));
      await frames(() => getComputedStyle(footer).position === "sticky");
      for (let i = 0; i < 4; i++) await new Promise((r) => requestAnimationFrame(r));
      assert(getComputedStyle(footer).position === "sticky", "the footer does not stick again");
      assert(alerts().length === 1 && alerts()[0] === alert && alert.textContent === told, "the alert moved");
      assert(loops.length === 0, `errors: ${loops}`);
    } finally {
      tall.remove();
      removeEventListener("error", onError);
    }
  });

  it("an error mid-grid shows in the sticky footer, scrolling when long; a moved element measures what sticks again", async () => {
    const el = await mount({ ...wasmElement("sticky-error"), population: "32", columns: "4" });
    const footer = shadow(el).querySelector(".footer")!;
    const grid = part(el, "grid")!.getBoundingClientRect();
    scrollTo(0, scrollY + grid.top + grid.height / 2 - innerHeight / 2);
    el.setAttribute("radius", `not a number ${"and more words ".repeat(40)}`);
    await frames(() => !!part(el, "error"));
    await settle(el);
    // And stays there: an error that counted in the footer's height would unstick it, move above the
    // toolbar, let the footer stick again, and so on, frame after frame.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      assert(
        getComputedStyle(footer).position === "sticky" && footer.contains(part(el, "error")),
        `frame ${i}: the error is not in the sticky footer`,
      );
    }
    const error = part(el, "error")!;
    const box = error.getBoundingClientRect();
    assert(box.top >= 0 && box.bottom <= innerHeight, `the error is out of view: ${box.top}-${box.bottom}`);
    assert(
      box.height < innerHeight / 4 && error.scrollHeight > error.clientHeight,
      `a ${box.height} px error`,
    );
    el.setAttribute("radius", "0.2");
    await frames(() => !part(el, "error"));
    scrollTo(0, 0);

    // Moved into a narrow box: lit renders nothing on reconnecting, yet the toolbar stops sticking.
    await frames(() => getComputedStyle(part(el, "toolbar")!).position === "sticky");
    const narrow = document.createElement("div");
    narrow.style.width = "20rem";
    document.body.append(narrow);
    try {
      narrow.append(el);
      await frames(() => getComputedStyle(part(el, "toolbar")!).position === "static");
      assert(
        getComputedStyle(part(el, "toolbar")!).position === "static",
        `a ${part(el, "toolbar")!.getBoundingClientRect().height} px toolbar still sticks after the move`,
      );
    } finally {
      narrow.remove();
    }
  });
});
