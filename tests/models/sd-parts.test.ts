import assert from "node:assert/strict";
import type * as OrtCommon from "onnxruntime-common";
import { createPromptTokenizer } from "../../core/tokenizer.ts";
import { checkSessionIo } from "../../core/pipeline-io.ts";
import type { ModelManifest } from "../../core/manifest.ts";
import { SD_TURBO_SIGMA, unetInput, vaeInput } from "../../core/scheduler.ts";
import { fromFloat16Bits, toFloat16Bits } from "../../core/fp16.ts";
import { fixtureVocab } from "../fixtures/sd-turbo/build.ts";

const tokenizerJson = () =>
  JSON.parse(Deno.readTextFileSync(new URL("../fixtures/sd-turbo/tokenizer.json", import.meta.url)));

Deno.test("createPromptTokenizer() gives the fixture vocabulary's ids, padded to 77 with <|endoftext|> where it has no !", () => {
  const tok = createPromptTokenizer(tokenizerJson());
  const v = fixtureVocab();
  const SOT = v["<|startoftext|>"], EOT = v["<|endoftext|>"];
  assert.equal(SOT, 58);
  assert.equal(EOT, 59);
  const ids = tok.encode("The  red FOX");
  assert.equal(ids.length, 77);
  assert.deepEqual(Array.from(ids.slice(0, 6)), [58, 55, 57, 53, 59, 59]); // the</w> red</w> fox</w>
  assert.ok(ids.slice(4).every((id) => id === EOT));
  // No merge for "cat": c, a, t</w>
  assert.deepEqual(Array.from(tok.encode("a cat").slice(0, 6)), [58, v["a</w>"], v.c, v.a, v["t</w>"], 59]);
  assert.deepEqual([v["a</w>"], v.c, v.a, v["t</w>"]], [26, 2, 0, 45]);
});

Deno.test("createPromptTokenizer() truncates a long prompt to 77 ids ending with <|endoftext|>", () => {
  const ids = createPromptTokenizer(tokenizerJson()).encode("fox ".repeat(100));
  assert.equal(ids.length, 77);
  assert.equal(ids[0], 58);
  assert.equal(ids[1], 53);
  assert.equal(ids[75], 53);
  assert.equal(ids[76], 59);
});

Deno.test("createPromptTokenizer() pads with the tokenizer.json's padding.pad_id (SD-Turbo's ! is 0)", () => {
  const json = { ...tokenizerJson(), padding: { pad_id: 0, pad_token: "!", strategy: "BatchLongest" } };
  const ids = createPromptTokenizer(json).encode("red fox");
  assert.deepEqual(Array.from(ids.slice(0, 5)), [58, 57, 53, 59, 0], "the end token, then padding");
  assert.ok(ids.slice(4).every((id) => id === 0));
});

Deno.test("createPromptTokenizer() pads with ! where the vocabulary has it and tokenizer.json sets no padding (SD-Turbo's)", () => {
  const json = tokenizerJson();
  assert.equal(json.padding, null);
  json.model.vocab = { ...json.model.vocab, "!": 60 };
  const ids = createPromptTokenizer(json).encode("red fox");
  assert.deepEqual(Array.from(ids.slice(0, 5)), [58, 57, 53, 59, 60], "the end token, then !");
  assert.equal(createPromptTokenizer(json).padId, 60);
  assert.ok(ids.slice(4).every((id) => id === 60));
});

Deno.test("checkSessionIo() takes an element type from a list and refuses others, naming the list", () => {
  const session = (type: string) =>
    ({
      inputNames: ["timestep"],
      outputNames: [],
      inputMetadata: [{ name: "timestep", isTensor: true, type, shape: [1] }],
      outputMetadata: [],
    }) as unknown as OrtCommon.InferenceSession;
  const manifest = { name: "m" } as ModelManifest;
  const expected = [{ name: "timestep", dims: [null], type: ["int64", "float16"] }];
  checkSessionIo(manifest, "unet", session("float16"), expected, []);
  assert.throws(
    () => checkSessionIo(manifest, "unet", session("uint8"), expected, []),
    /Cannot load model "m": unet input timestep is uint8, expected int64 or float16/,
  );
});

Deno.test("createPromptTokenizer() rejects a broken tokenizer.json", () => {
  assert.throws(() => createPromptTokenizer({ model: { type: "Nope" } }), /Cannot create the tokenizer/);
});

Deno.test("unetInput() and vaeInput() match hand-computed Euler-step values", () => {
  assert.equal(SD_TURBO_SIGMA, 14.6146);
  // 14.6146 / sqrt(14.6146^2 + 1) = 0.99766721...
  const u = unetInput(new Float32Array([1, -2]));
  assert.ok(Math.abs(u[0] - 0.9976672167) < 1e-6, `${u[0]}`);
  assert.ok(Math.abs(u[1] + 1.9953344334) < 1e-6, `${u[1]}`);
  // (1 * 14.6146 - 14.6146 * 0.5) / 0.18215 = 40.11693659; (-14.6146 + 14.6146 * 0.25) / 0.18215 = -60.17540489
  const x = vaeInput(new Float32Array([1, -1]), new Float32Array([0.5, -0.25]));
  assert.ok(Math.abs(x[0] - 40.11693659) < 1e-4, `${x[0]}`);
  assert.ok(Math.abs(x[1] + 60.17540489) < 1e-4, `${x[1]}`);
  assert.throws(() => vaeInput(new Float32Array(2), new Float32Array(3)), RangeError);
});

Deno.test("toFloat16Bits() rounds to nearest even and fromFloat16Bits() inverts it on every half value", () => {
  const bits = toFloat16Bits(new Float32Array([1, -2, 65504, 0.1, 1e-8, 6e-5, 70000, 0.33325, -0]));
  assert.deepEqual(Array.from(bits), [0x3c00, 0xc000, 0x7bff, 0x2e66, 0, 0x3ef, 0x7c00, 0x3555, 0x8000]);
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = toFloat16Bits(fromFloat16Bits(all));
  for (let i = 0; i < 65536; i++) {
    const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
    if (isNaN) assert.ok((back[i] & 0x7c00) === 0x7c00 && (back[i] & 0x3ff) !== 0);
    else assert.equal(back[i], i, `half 0x${i.toString(16)}`);
  }
  // Halfway between 1 and the next half (1 + 2^-11) rounds to even (1); just above rounds up.
  assert.deepEqual(Array.from(toFloat16Bits(new Float32Array([1 + 2 ** -11, 1 + 2 ** -11 + 2 ** -20]))), [
    0x3c00,
    0x3c01,
  ]);
});
