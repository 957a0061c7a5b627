/**
 * What the worker's engine saves of its session, and when: the saves in order, each writing only the
 * generations not stored yet (see session-store.ts), the revision of what storage holds as this
 * engine last read or wrote it, and the check a tab taking the storage key over saves under.
 *
 * @module
 */

import {
  deserializeSession,
  type Generation,
  generationByteLength,
  generationBytes,
  type Latent,
  type Session,
  sessionHeader,
} from "../../core/mod.ts";
import { loadSession, newPartId, NOTHING_STORED, type SavedSession, saveSession } from "./session-store.ts";

/** What a save writes, as the engine has it when the save starts. */
export type SaveState = {
  /** The key the session is stored under (`storageKeyFor(key, "session")`), or none. */
  key: string | null;
  session: Session | null;
  seed: number | string;
  /**
   * Sessions Bring back may restore (the one an evolve replaced, the one an import replaced), or
   * `null`s: their generations stay stored.
   */
  spare: readonly (Session | null)[];
};

/**
 * Saves one engine's session.
 *
 * @example
 * ```ts
 * import { SessionSaver } from "./session-saver.ts";
 * // In the engine: new SessionSaver(() => ({ key, session, seed, spare: [replaced] }), (message) => tell(message));
 * ```
 */
export class SessionSaver {
  /** False while another tab saves this storage key (see `EngineConfig.save`). */
  saving = true;
  /**
   * The revision of the stored session as this engine last read or wrote it (`null`: unknown, its
   * read failed). A tab taking the key over saves only if storage still holds it.
   */
  #revision: string | null = NOTHING_STORED;
  /**
   * The revision of this engine's own last save, whose head lists every chunk it stored: a save over
   * it need not list the storage key's chunks (see `saveSession`'s `trust`).
   */
  #wrote: string | undefined;
  /**
   * True while the next save must find {@link #revision} in storage: after a takeover's save failed
   * for another reason than that (storage refused it), so that no later save goes unchecked.
   */
  #checkNext = false;
  /** The saves in order: each decides what to write, and whether to check, once the last is done. */
  #saves: Promise<boolean> = Promise.resolve(true);
  /**
   * The stored part of each generation's latents, drawn when first saved: a save writes only the
   * generations that have none yet, or that the stored head does not name.
   */
  #partIds = new WeakMap<readonly Latent[], string>();
  #state: () => SaveState;
  #failed: (message: string) => void;

  /**
   * @param state What to save, read when each save starts.
   * @param failed Told why a save failed (storage refused it, or another tab saved since).
   */
  constructor(state: () => SaveState, failed: (message: string) => void) {
    this.#state = state;
    this.#failed = failed;
  }

  /**
   * Reads the stored session, and takes its revision and its generations' parts as this engine's.
   *
   * @param key The key it is stored under.
   * @returns What was read and the session it holds, or `null` when nothing is stored.
   * @throws What reading or decoding it threw.
   */
  async read(key: string): Promise<{ saved: SavedSession; session: Session } | null> {
    this.#revision = null;
    this.#wrote = undefined;
    const saved = await loadSession(key);
    this.#revision = saved?.revision ?? NOTHING_STORED;
    if (!saved) return null;
    const session = deserializeSession(saved.bytes);
    // Parts that are not one per generation, each its size, are not taken as its own: written anew.
    const own = saved.parts?.length === session.generations.length &&
      saved.parts.every((p, g) => p.bytes === generationByteLength(session.generations[g]));
    if (own) saved.parts!.forEach((p, g) => this.#partIds.set(session.generations[g].latents, p.id));
    return { saved, session };
  }

  /**
   * Saves the session, after the saves before it: its header and the generations not saved yet.
   * Storage may be refused (a sandboxed iframe, private browsing, a full quota): the session then
   * goes on in memory, and `failed` is told.
   *
   * @param takeOver The save of a tab taking the key over: only if storage holds what this engine
   *   last read or wrote, and saving is on once it has saved.
   * @returns False when a checked save found another tab's save (saving is then off).
   */
  save(takeOver = false): Promise<boolean> {
    this.#saves = this.#saves.then(() => this.#write(takeOver));
    return this.#saves;
  }

  async #write(takeOver: boolean): Promise<boolean> {
    const { key, session, seed, spare } = this.#state();
    if (!key || !session) {
      if (takeOver) this.saving = true; // nothing to save yet (the session is still being read)
      return true;
    }
    if (!this.saving && !takeOver) return true;
    const checked = takeOver || this.#checkNext;
    try {
      const record = {
        header: sessionHeader(session),
        parts: session.generations.map((g) => ({ id: this.#partId(g), bytes: () => generationBytes(g) })),
        seed,
        // The generations an evolve or an import replaced stay stored while Bring back can restore them.
        keep: spare.flatMap((s) => s?.generations.flatMap((g) => this.#partIds.get(g.latents) ?? []) ?? []),
      };
      // A revision that was never read matches none stored: the check fails, and the tab restarts.
      const expect = checked ? { expect: this.#revision ?? "unknown" } : {};
      const result = await saveSession(key, record, { ...expect, trust: this.#wrote });
      if (!result.saved) {
        this.saving = false;
        this.#wrote = undefined;
        if (!takeOver) {
          this.#failed("another tab saved this session since this one read it: changes here are not saved");
        }
        return false;
      }
      this.#revision = this.#wrote = result.revision;
      this.#checkNext = false;
    } catch (error) {
      if (checked) this.#checkNext = true;
      this.#failed(error instanceof Error ? error.message : String(error));
    }
    if (takeOver) this.saving = true;
    return true;
  }

  #partId(generation: Generation): string {
    let id = this.#partIds.get(generation.latents);
    if (id === undefined) {
      id = newPartId(generation.index);
      this.#partIds.set(generation.latents, id);
    }
    return id;
  }
}
