/**
 * The measured part of bench/storage.mjs, bundled by esbuild for Chromium: the element's worker saves
 * the session after every Evolve (component/worker/session-store.ts); this times that save in the
 * browser's IndexedDB, for sessions of SD-Turbo's latent size.
 *
 * @module
 */
import { loadSession, saveSession, type SessionRecord } from "../../component/worker/session-store.ts";
import {
  createRng,
  createSession,
  evolve,
  type Feedback,
  generationBytes,
  serializeSession,
  type Session,
  sessionHeader,
} from "../../core/mod.ts";
import { newPartId } from "../../component/worker/session-store.ts";

/** One session length's timings, in ms (medians). */
export type StorageRow = {
  generations: number;
  megabytes: number;
  /** Saving every generation (what each Evolve wrote before one part per generation). */
  wholeMs: number;
  /** The save after an Evolve: the new generation, the header and the head, over the engine's own last save. */
  evolveMs: number;
  /** The same save over a head the engine did not write (its first after a reload): it lists the key's chunks. */
  checkedMs: number;
  /** The header's size in KiB (lineage and feedback of every generation). */
  headerKiB: number;
  /** Reading the session back (what an element's start does). */
  loadMs: number;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A person's answer each generation: two favourites, with points on them (a header's worst case). */
const FEEDBACK: Feedback = {
  selected: [0, 1],
  points: { 0: [{ x: 0.25, y: 0.5 }, { x: 0.75, y: 0.125 }], 1: [{ x: 0.5, y: 0.5 }] },
  mode: "keep",
};

/** What the engine saves: an id per generation, drawn once, as the engine draws them. */
function recordOf(session: Session, ids: Map<number, string>): SessionRecord {
  const id = (g: number) => ids.get(g) ?? ids.set(g, newPartId(g)).get(g)!;
  return {
    header: sessionHeader(session),
    parts: session.generations.map((g) => ({ id: id(g.index), bytes: () => generationBytes(g) })),
    seed: 1,
  };
}

/**
 * Times saves at each session length.
 *
 * @param lengths Session lengths in generations, ascending.
 * @param repeats Timed saves per cell.
 * @returns One row per length.
 */
export async function runBench(lengths: number[], repeats: number): Promise<StorageRow[]> {
  const rng = createRng("bench-storage");
  let session = createSession({ shape: [4, 64, 64], population: 8 }, rng);
  const rows: StorageRow[] = [];
  let run = 0;
  for (const length of lengths) {
    while (session.generations.length < length) session = evolve(session, FEEDBACK, rng);
    const before = session;
    const after = evolve(before, FEEDBACK, rng);
    const later = evolve(after, FEEDBACK, rng);
    const whole: number[] = [], next: number[] = [], checked: number[] = [], load: number[] = [];
    for (let r = 0; r < repeats; r++) {
      // Alternating the two, each on its own key, so that neither gets a warmer database.
      const key = `bench-storage-${run++}`;
      const ids = new Map<number, string>();
      let t = performance.now();
      const first = await saveSession(key, recordOf(before, ids));
      whole.push(performance.now() - t);
      // The engine trusts the head of its own last save (session-saver.ts).
      const trust = first.saved ? first.revision : undefined;
      t = performance.now();
      await saveSession(key, recordOf(after, ids), { trust });
      next.push(performance.now() - t);
      t = performance.now();
      const saved = await loadSession(key);
      load.push(performance.now() - t);
      if (saved?.bytes.length !== serializeSession(after).length) {
        throw new Error("the save did not read back");
      }
      t = performance.now();
      await saveSession(key, recordOf(later, ids));
      checked.push(performance.now() - t);
      await saveSession(key, { header: "{}", parts: [] });
    }
    rows.push({
      generations: length,
      megabytes: serializeSession(before).length / 2 ** 20,
      headerKiB: sessionHeader(after).length / 1024,
      wholeMs: median(whole),
      evolveMs: median(next),
      checkedMs: median(checked),
      loadMs: median(load),
    });
  }
  return rows;
}
