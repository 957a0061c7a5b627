import assert from "node:assert/strict";
import {
  createRng,
  createSession,
  deserializeSession,
  evolve,
  type Feedback,
  generationBytes,
  joinSession,
  serializeSession,
  type Session,
  SESSION_FORMAT_VERSION,
  sessionHeader,
} from "../../core/mod.ts";

function sampleSession(): Session {
  const rng = createRng("session");
  let s = createSession({ shape: [4, 16, 16], population: 6, exploration: 0.2 }, rng);
  const feedbacks: Feedback[] = [
    { selected: [0] },
    { selected: [1, 2], points: { 2: [{ x: 0.1, y: 0.9 }] } },
    { selected: [3], points: { 3: [{ x: 0.5, y: 0.5 }] }, mode: "keep", strength: 0.5, radius: 0.3 },
    { selected: [] },
  ];
  for (const fb of feedbacks) s = evolve(s, fb, rng);
  return s;
}

Deno.test("serializeSession() round-trips bit-exactly: latents, lineage, feedback, config, sigma", () => {
  const s = sampleSession();
  const back = deserializeSession(serializeSession(s));
  assert.deepEqual(back.config, s.config);
  assert.equal(back.sigma, s.sigma);
  assert.equal(back.generations.length, s.generations.length);
  for (const [gi, g] of s.generations.entries()) {
    const h = back.generations[gi];
    assert.deepEqual(JSON.parse(JSON.stringify(h.lineage)), JSON.parse(JSON.stringify(g.lineage)));
    assert.deepEqual(
      JSON.parse(JSON.stringify(h.feedback ?? null)),
      JSON.parse(JSON.stringify(g.feedback ?? null)),
    );
    for (const [i, l] of g.latents.entries()) {
      const a = new Uint32Array(l.data.buffer, l.data.byteOffset, l.data.length);
      const b = new Uint32Array(h.latents[i].data.buffer);
      assert.deepEqual(b, a, `generation ${gi} image ${i}`);
      assert.deepEqual([...h.latents[i].shape], [4, 16, 16]);
    }
  }
  // And the restored session evolves exactly like the original.
  const x = evolve(s, { selected: [1] }, createRng(9)), y = evolve(back, { selected: [1] }, createRng(9));
  assert.deepEqual(
    y.generations[5].latents.map((l) => [...l.data]),
    x.generations[5].latents.map((l) => [...l.data]),
  );
});

Deno.test("serializeSession() is compact: within 10% of the raw float32 bytes", () => {
  const s = sampleSession();
  const raw = s.generations.reduce((n, g) => n + g.latents.length * 4 * 16 * 16 * 4, 0);
  const bytes = serializeSession(s);
  assert.ok(bytes.length >= raw && bytes.length < raw * 1.1, `${bytes.length} bytes for ${raw} raw`);
  assert.deepEqual([...bytes.subarray(0, 4)], [..."LEVS"].map((c) => c.charCodeAt(0)));
  assert.equal(new DataView(bytes.buffer).getUint32(4, true), SESSION_FORMAT_VERSION);
});

Deno.test("deserializeSession() rejects other files, truncation, corruption and future versions", () => {
  const bytes = serializeSession(sampleSession());
  assert.throws(
    () => deserializeSession(new TextEncoder().encode("PNG not a session")),
    /not a latent-evolver session/,
  );
  assert.throws(() => deserializeSession(bytes.subarray(0, 10)), /not a latent-evolver session/);
  assert.throws(
    () => deserializeSession(bytes.subarray(0, bytes.length - 4)),
    /truncated: expected \d+ bytes/,
  );
  assert.throws(() => deserializeSession(bytes.subarray(0, 40)), /truncated \(header of/);
  const extra = new Uint8Array(bytes.length + 4);
  extra.set(bytes);
  assert.throws(() => deserializeSession(extra), /trailing bytes/);
  const flipped = bytes.slice();
  flipped[flipped.length - 3] ^= 0x10;
  assert.throws(() => deserializeSession(flipped), /corrupted \(checksum/);
  const future = bytes.slice();
  new DataView(future.buffer).setUint32(4, SESSION_FORMAT_VERSION + 1, true);
  assert.throws(() => deserializeSession(future), /format version 2 is newer than this library reads \(1\)/);
  const zero = bytes.slice();
  new DataView(zero.buffer).setUint32(4, 0, true);
  assert.throws(() => deserializeSession(zero), /invalid format version 0 \(versions start at 1\)/);
  assert.throws(
    () => deserializeSession("LEVS" as unknown as Uint8Array),
    /expected a Uint8Array, got string/,
  );
});

Deno.test("deserializeSession() rejects a well-formed file whose content is wrong, naming what", () => {
  const s = sampleSession();
  const bad = (generations: Session["generations"]) => serializeSession({ ...s, generations });
  const [g0, g1] = s.generations;
  const cases: [Session["generations"], RegExp][] = [
    [[], /"generations" must be a non-empty array/],
    [[{ ...g0, feedback: { selected: 5 } as unknown as Feedback }], /generation 0 has invalid feedback/],
    [[{ ...g0, feedback: { selected: [99] } }], /generation 0 has invalid feedback.*selected index 99/],
    [[{ ...g0, feedback: { selected: [0], strength: -5 } }], /strength/],
    [
      [g0, { ...g1, lineage: g1.lineage.map((r) => ({ ...r, parents: [{ generation: 3, index: 0 }] })) }],
      /generation 1 has an invalid lineage record: parent \{"generation":3,"index":0\} is not an image of an earlier generation/,
    ],
    // A parent in its own generation: images are made from the batch before theirs.
    [
      [g0, { ...g1, lineage: g1.lineage.map((r) => ({ ...r, parents: [{ generation: 1, index: 0 }] })) }],
      /generation 1 has an invalid lineage record: parent \{"generation":1,"index":0\}/,
    ],
    [
      [g0, { ...g1, lineage: g1.lineage.map((r) => ({ ...r, parents: [{ generation: 0, index: 6 }] })) }],
      /parent \{"generation":0,"index":6\} is not an image of an earlier generation/,
    ],
    [
      [g0, { ...g1, lineage: g1.lineage.map(({ params: _, ...r }) => r as typeof g1.lineage[0]) }],
      /invalid lineage record/,
    ],
    [
      [g0, { ...g1, latents: g1.latents.slice(0, 2), lineage: g1.lineage.slice(0, 2) }],
      /generation 1 has 2 images, the population is 6/,
    ],
    [[g0, { ...g1, latents: [], lineage: [] }], /generation 1 has 0 images/],
  ];
  for (const [generations, message] of cases) {
    assert.throws(() => deserializeSession(bad(generations)), message);
  }
  // Settings that would make every Evolve run out of memory or do nothing useful.
  for (
    const [config, message] of [
      [{ candidates: 50_000_000 }, /candidates must be an integer from 1 to 256, got 50000000/],
      [{ exploration: 1.5 }, /exploration must be a number in \[0, 1\), got 1.5/],
      [{ sigma: -1 }, /sigma must be a finite number > 0, got -1/],
    ] as const
  ) {
    const file = serializeSession({ ...s, config: { ...s.config, ...config } });
    assert.throws(() => deserializeSession(file), message);
  }
  const nan = { ...g0, latents: g0.latents.map((l) => ({ ...l, data: l.data.slice() })) };
  nan.latents[2].data[5] = Infinity;
  assert.throws(
    () => deserializeSession(bad([nan])),
    /generation 0 latent 2 has a non-finite value Infinity/,
  );
});

Deno.test("deserializeSession() reads a session held at an odd offset in a larger buffer", () => {
  const bytes = serializeSession(sampleSession());
  const big = new Uint8Array(bytes.length + 3);
  big.set(bytes, 3);
  const back = deserializeSession(big.subarray(3));
  assert.equal(back.generations.length, 5);
});

Deno.test("the encoding in parts (header, one payload per generation) joins into serializeSession's bytes", () => {
  const s = sampleSession();
  const whole = serializeSession(s);
  const parts = s.generations.map(generationBytes);
  assert.deepEqual(parts.map((p) => p.length), s.generations.map(() => 6 * 4 * 16 * 16 * 4));
  assert.deepEqual(joinSession(sessionHeader(s), parts), whole);
  // A generation's bytes are its latents' values: the first float of generation 2, image 1.
  const at = 1 * 4 * 16 * 16 * 4;
  assert.equal(new DataView(parts[2].buffer).getFloat32(at, true), s.generations[2].latents[1].data[0]);
  // Parts that do not add up to the header's count are refused when read, not taken as a session.
  assert.throws(() => deserializeSession(joinSession(sessionHeader(s), parts.slice(1))), /truncated/);
});
