/**
 * Command-line values of a benchmark, as `npm run bench -- <name> --name=value` passes them.
 *
 * @module
 */

/**
 * The value of `--name=value`, or of `--name value`.
 *
 * @param name The flag, without dashes.
 * @param fallback What to return when the flag is absent.
 * @returns The value.
 * @example
 * ```ts
 * import { flag } from "./args.ts";
 * const seconds = Number(flag("duration", "3"));
 * ```
 */
export function flag(name: string, fallback: string): string {
  const joined = Deno.args.find((a) => a.startsWith(`--${name}=`));
  if (joined) return joined.slice(name.length + 3);
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}
