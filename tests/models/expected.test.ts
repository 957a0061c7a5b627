import assert from "node:assert/strict";
import { computeExpected, expectedFile } from "../fixtures/builtin-expected.ts";
import { maxAbsDiff, parseBlocks } from "./block-means.ts";

for (const which of ["builtin", "sd-turbo"] as const) {
  Deno.test(`tests/fixtures/${which}-expected.json matches onnxruntime-node`, async () => {
    const committed = JSON.parse(await Deno.readTextFile(expectedFile(which)));
    const now = await computeExpected(which);
    assert.equal(committed.length, now.length);
    for (let i = 0; i < now.length; i++) {
      assert.equal(committed[i].prompt, now[i].prompt);
      // Exact on the same machine; 0.05 leaves room for another CPU's instruction set (MLAS kernels).
      const d = maxAbsDiff(parseBlocks(committed[i].blocks), parseBlocks(now[i].blocks));
      assert.ok(d <= 0.05, `case ${i} differs by ${d}: run deno run -A tests/fixtures/builtin-expected.ts`);
    }
  });
}
