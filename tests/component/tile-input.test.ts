// The tiles' input as plain functions: where a click marks (and in words), how arrows move the cursor,
// shortcuts.
import {
  clickPoint,
  movedCursor,
  navigatedIndex,
  placeOf,
  shortcutOf,
  stripIndex,
} from "../../component/tile-input.ts";
import { assert } from "./helpers.ts";

/** A 200x100 canvas at (10, 20) on the page. */
function canvasAt(): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.style.cssText = "position:fixed;left:10px;top:20px;width:200px;height:100px";
  document.body.append(canvas);
  return canvas;
}

describe("tile input", () => {
  it("navigatedIndex() steps through a grid by rows and columns, stops at its edges (Down over a short last row goes to its last image), and leaves modified keys", () => {
    const to = (key: string, index: number, init: KeyboardEventInit = {}) =>
      navigatedIndex(new KeyboardEvent("keydown", { key, ...init }), index, 10, 4);
    // 10 images in 4 columns: rows 0-3, 4-7, 8-9.
    const got = [
      to("ArrowRight", 1),
      to("ArrowLeft", 1),
      to("ArrowDown", 1),
      to("ArrowUp", 5),
      to("Home", 6),
      to("End", 2),
      to("ArrowLeft", 0),
      to("ArrowRight", 9),
      to("ArrowUp", 3),
      to("ArrowDown", 7), // no image below, over the short last row: its last image
      to("ArrowDown", 9), // in the last row: stays
      to("ArrowRight", 3), // the end of a row goes on to the next row's start
    ];
    assert(got.join() === "2,0,5,1,0,9,0,9,3,9,9,4", `got ${got}`);
    // Image 4 of 8 in 6 columns has nothing below it: Down goes to image 8.
    const short = navigatedIndex(new KeyboardEvent("keydown", { key: "ArrowDown" }), 3, 8, 6);
    assert(short === 7, `Down from image 4 of 8 in 6 columns went to ${short}`);
    assert(to("Enter", 1) === null && to("a", 1) === null, "other keys move the focus");
    for (const mod of ["ctrlKey", "metaKey", "altKey", "shiftKey"]) {
      assert(to("ArrowRight", 1, { [mod]: true }) === null, `${mod}+ArrowRight moves the focus`);
    }
    const one = navigatedIndex(new KeyboardEvent("keydown", { key: "ArrowDown" }), 0, 3, 0);
    assert(one === 1, `no columns laid out yet counts as one column: ${one}`);
  });

  it("stripIndex() moves along the history's row with Left, Right, Home and End; Up, Down and other keys are not its", () => {
    const keys = ["ArrowLeft", "ArrowRight", "Home", "End", "ArrowDown", "ArrowUp", "Enter"];
    const got = keys.map((key) => stripIndex(new KeyboardEvent("keydown", { key }), 2, 5));
    assert(got.join() === "1,3,0,4,,,", `from generation 3 of 5: ${got}`);
    const ends = [stripIndex(new KeyboardEvent("keydown", { key: "ArrowRight" }), 4, 5)];
    ends.push(stripIndex(new KeyboardEvent("keydown", { key: "ArrowLeft" }), 0, 5));
    assert(ends.join() === "4,0", `past the ends: ${ends}`);
  });

  it("clickPoint() maps the pointer into [0,1]^2, clamped; a keyboard click uses the tile's cursor", () => {
    const canvas = canvasAt();
    try {
      const p = clickPoint(new MouseEvent("click", { detail: 1, clientX: 60, clientY: 45 }), canvas, null, 0);
      assert(p.x === 0.25 && p.y === 0.25, `pointer point ${JSON.stringify(p)}`);
      const out = clickPoint(
        new MouseEvent("click", { detail: 1, clientX: 500, clientY: 0 }),
        canvas,
        null,
        0,
      );
      assert(out.x === 1 && out.y === 0, `outside point not clamped: ${JSON.stringify(out)}`);
      const cursor = { index: 3, x: 0.1, y: 0.9 };
      const key = clickPoint(new MouseEvent("click", { detail: 0 }), canvas, cursor, 3);
      assert(key.x === 0.1 && key.y === 0.9, `keyboard point ${JSON.stringify(key)}`);
      const other = clickPoint(new MouseEvent("click", { detail: 0 }), canvas, cursor, 2);
      assert(other.x === 0.5 && other.y === 0.5, `cursor of another tile used: ${JSON.stringify(other)}`);
    } finally {
      canvas.remove();
    }
  });

  it("placeOf() names the cell of a 3x3 grid a point is in, in words; the middle one is the centre", () => {
    const got = [
      placeOf({ x: 0, y: 0 }),
      placeOf({ x: 0.5, y: 0.1 }),
      placeOf({ x: 1, y: 0.32 }),
      placeOf({ x: 0.2, y: 0.5 }),
      placeOf({ x: 0.5, y: 0.5 }),
      placeOf({ x: 0.7, y: 0.6 }),
      placeOf({ x: 0.1, y: 1 }),
      placeOf({ x: 0.34, y: 0.9 }),
      placeOf({ x: 0.99, y: 0.67 }),
    ];
    const want = [
      "top left",
      "top centre",
      "top right",
      "middle left",
      "centre",
      "middle right",
      "bottom left",
      "bottom centre",
      "bottom right",
    ];
    assert(got.join() === want.join(), `got ${got.join(" | ")}`);
  });

  it("movedCursor() steps 1/32 (0.1 with Shift) from the centre, clamped, and ignores other keys", () => {
    const left = movedCursor(new KeyboardEvent("keydown", { key: "ArrowLeft" }), null, 2);
    assert(left?.index === 2 && left.x === 0.5 - 1 / 32 && left.y === 0.5, JSON.stringify(left));
    const down = movedCursor(new KeyboardEvent("keydown", { key: "ArrowDown", shiftKey: true }), left, 2);
    assert(down?.x === left!.x && Math.abs(down.y - 0.6) < 1e-12, JSON.stringify(down));
    const edge = movedCursor(new KeyboardEvent("keydown", { key: "ArrowUp" }), { index: 1, x: 0, y: 0 }, 1);
    assert(edge?.y === 0, `not clamped: ${JSON.stringify(edge)}`);
    assert(movedCursor(new KeyboardEvent("keydown", { key: "a" }), left, 2) === null, "a moved the cursor");
  });

  it("shortcutOf() knows Ctrl/Cmd+Enter, Ctrl+Z, Ctrl+Shift+Z, and Escape while busy or marking", () => {
    const key = (init: KeyboardEventInit) => new KeyboardEvent("keydown", init);
    assert(shortcutOf(key({ key: "Enter", ctrlKey: true }), false) === "evolve", "Ctrl+Enter");
    assert(shortcutOf(key({ key: "Enter", metaKey: true }), false) === "evolve", "Cmd+Enter");
    assert(shortcutOf(key({ key: "Enter" }), false) === null, "Enter alone");
    assert(shortcutOf(key({ key: "z", ctrlKey: true }), false) === "undo", "Ctrl+Z");
    assert(shortcutOf(key({ key: "Z", ctrlKey: true, shiftKey: true }), false) === "redo", "Ctrl+Shift+Z");
    assert(shortcutOf(key({ key: "Escape" }), true) === "cancel", "Escape while busy");
    assert(shortcutOf(key({ key: "Escape" }), false) === null, "Escape while idle");
    assert(shortcutOf(key({ key: "Escape" }), false, true) === "stop-marking", "Escape while marking");
    assert(shortcutOf(key({ key: "Escape" }), true, true) === "cancel", "Escape while busy and marking");
  });
});
