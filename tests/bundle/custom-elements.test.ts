// dist/custom-elements.json, as a tool (an IDE, Storybook, a framework's wrapper generator) reads it
// from the package: every module it names is a file the package ships, and each event the element
// fires is listed with its name and its class, as component/events.ts declares them.
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import * as events from "../../component/events.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

interface Reference {
  name: string;
  module?: string;
  package?: string;
}

/** Every object in `value` with a `module` key: the manifest's references to a module. */
function references(value: unknown): Reference[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (typeof value !== "object" || value === null) return [];
  const nested = Object.values(value).flatMap(references);
  return "module" in value ? [value as Reference, ...nested] : nested;
}

Deno.test("custom-elements.json names the shipped bundle, and each event with its class", async () => {
  const pkg = JSON.parse(await Deno.readTextFile(`${root}package.json`));
  const manifest = JSON.parse(await Deno.readTextFile(`${root}${pkg.customElements}`));
  const paths = manifest.modules.map((m: { path: string }) => m.path);
  assert.deepEqual(paths, [pkg.exports["."].default.replace(/^\.\//, "")], "not the bundle's module");
  for (const path of paths) await Deno.stat(`${root}${path}`);
  for (const ref of references(manifest)) {
    assert.ok(paths.includes(ref.module), `a reference to ${ref.name} names ${ref.module}, not shipped`);
  }
  const [bundle] = manifest.modules;
  const definition = bundle.exports.find((e: { kind: string }) => e.kind === "custom-element-definition");
  assert.equal(definition?.name, "latent-evolver");
  const element = bundle.declarations.find((d: { name: string }) => d.name === definition.declaration.name);
  assert.equal(element?.tagName, "latent-evolver");
  const classes = Object.values(events).filter((e) => typeof e === "function" && "type" in e) as {
    name: string;
    type: string;
  }[];
  assert.deepEqual(
    element.events.map((e: { name: string; type?: { text: string } }) => [e.name, e.type?.text]).sort(),
    classes.map((c) => [c.type, c.name]).sort(),
  );
  for (const { name } of classes) {
    const declaration = bundle.declarations.find((d: { name: string }) => d.name === name);
    assert.deepEqual(declaration?.superclass, { name: "Event", package: "global:" }, name);
  }
});
