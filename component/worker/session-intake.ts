/**
 * The sessions the worker's engine takes in from outside: the one storage holds, restored at a start
 * (or not, where it was made for another model, population or seed), and an imported file's, refused
 * where this engine could not keep it.
 *
 * @module
 */

import { rewind, type Session } from "../../core/mod.ts";
import type { ModelManifest } from "../../core/manifest.ts";
import { storageKeyFor } from "../ui-state.ts";
import type { SessionSaver } from "./session-saver.ts";
import type { EngineConfig } from "./protocol.ts";

/**
 * What a start finds in storage: a session to restore (with its seed, what was salvaged of a damaged
 * one, and whether generations are kept for a Bring back), a session that could not be read, or
 * nothing to restore (`null`).
 */
export type Restored =
  | { session: Session; seed?: number | string; salvaged?: string; spare?: boolean }
  | { unreadable: string }
  | null;

/**
 * Reads the session stored under the config's storage key, as a start restores it.
 *
 * @param saver The engine's saver, which reads it (and keeps the revision it read).
 * @param config The config the worker starts with.
 * @param manifest The model's manifest.
 * @returns What there is to restore.
 * @example
 * ```ts
 * import { restoreSession } from "./session-intake.ts";
 * // In the engine's init: const stored = await restoreSession(this.#saver, config, manifest);
 * ```
 */
export async function restoreSession(
  saver: SessionSaver,
  config: EngineConfig,
  manifest: ModelManifest,
): Promise<Restored> {
  if (!config.storageKey) return null;
  try {
    const read = await saver.read(storageKeyFor(config.storageKey, "session"));
    if (!read) return null;
    const { saved } = read;
    let { session } = read;
    const [c, h, w] = session.config.shape;
    const [mc, mh, mw] = manifest.latentShape;
    // A stored session for another model, population or seed (the seed attribute changed) is not
    // restored: a new one starts (and is saved in its place). One saved without its seed (by an
    // earlier version) is restored whatever the attribute says.
    if (c !== mc || h !== mh || w !== mw || session.config.population !== config.population) return null;
    if (config.seed !== null && saved.seed !== undefined && saved.seed !== config.seed) return null;
    // A generation whose images were lost: the ones before it come back, the last of them
    // unanswered (stored parts of the others are deleted at the next save).
    const { broken } = saved;
    if (!broken) return { session, seed: saved.seed, spare: saved.spare !== undefined };
    if (broken.generation === 0) throw new RangeError(broken.message);
    session = rewind(session, broken.generation - 1);
    const lost = saved.parts!.length - broken.generation;
    const salvaged = `The saved session lost the images of generation ${broken.generation + 1}${
      lost > 1 ? ` (and the ${lost - 1} after it)` : ""
    }: generations 1-${broken.generation} were restored (${broken.message})`;
    return { session, seed: saved.seed, salvaged };
  } catch (error) {
    // Storage refused altogether (a sandboxed iframe): nothing is stored, and the first save says
    // the session cannot be saved.
    if ((error as DOMException)?.name === "SecurityError") return null;
    return { unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Refuses an imported session the engine cannot take in: latents the model cannot render, or another
 * population than the element's.
 *
 * @param session The imported session.
 * @param manifest The model's manifest, or `null` before the engine has one.
 * @param config The engine's config, or `null` before its first start.
 * @throws {RangeError} Naming what does not fit.
 * @example
 * ```ts
 * import { checkImport } from "./session-intake.ts";
 * // In the engine's importSession: checkImport(session, this.#manifest, this.#config);
 * ```
 */
export function checkImport(
  session: Session,
  manifest: ModelManifest | null,
  config: EngineConfig | null,
): void {
  const shape = manifest?.latentShape;
  const got = session.config.shape;
  if (shape && (got[0] !== shape[0] || got[1] !== shape[1] || got[2] !== shape[2])) {
    throw new RangeError(
      `Cannot import the session: its latents are [${got.join(",")}], the model needs [${shape.join(",")}]`,
    );
  }
  // Taken in, it would be replaced by a new session at the next start (see restoreSession).
  const population = config?.population;
  if (population !== undefined && session.config.population !== population) {
    throw new RangeError(
      `Cannot import the session: it has ${session.config.population} images per generation, this element ${population} (set population="${session.config.population}" to import it)`,
    );
  }
}
