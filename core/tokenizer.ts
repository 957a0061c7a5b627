/**
 * The CLIP tokenizer of SD-Turbo's text encoder, from the model folder's tokenizer.json, through
 * @huggingface/tokenizers (a pure JavaScript implementation of the Hugging Face tokenizers, so it runs
 * in the page, the worker and the server alike).
 *
 * @module
 */
import { Tokenizer } from "@huggingface/tokenizers";

/** CLIP's context length: SD's text encoder always takes 77 tokens. */
export const CLIP_CONTEXT = 77;

/** Turns a prompt into the text encoder's `input_ids`. */
export type PromptTokenizer = {
  /** Token ids, start and end tokens included, truncated or padded to {@link CLIP_CONTEXT}. */
  encode(prompt: string): Int32Array;
  /** The id the ids are padded with. */
  readonly padId: number;
};

/**
 * Creates a tokenizer from the contents of a tokenizer.json.
 *
 * Padding: the pad id is the tokenizer.json's `padding.pad_id` when set, otherwise the id of `!`
 * (id 0 in CLIP's vocabulary: SD-Turbo's tokenizer, OpenCLIP's as in SD 2.x, pads with it, and so
 * does diffusers with it), otherwise that of `<|endoftext|>`. The text
 * encoder's mask is causal, so padding leaves the prompt's own hidden states alone, but the UNet
 * attends to all 77, the padding's included. A prompt longer than the context is cut and its last id
 * replaced by the end token, as CLIP's tokenizer does with truncation.
 *
 * @param json The parsed tokenizer.json.
 * @param length Context length (default 77).
 * @returns The tokenizer.
 * @throws TypeError if the JSON is not a tokenizer the library can load.
 * @example
 * ```ts
 * import { createPromptTokenizer } from "./tokenizer.ts";
 * const json = JSON.parse(await Deno.readTextFile("tests/fixtures/sd-turbo/tokenizer.json"));
 * createPromptTokenizer(json).encode("a fox").length; // 77
 * ```
 */
export function createPromptTokenizer(json: unknown, length = CLIP_CONTEXT): PromptTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json as object, {});
  } catch (error) {
    throw new TypeError(
      `Cannot create the tokenizer: tokenizer.json is invalid (${(error as Error).message})`,
    );
  }
  const padding = (json as { padding?: { pad_id?: number } | null }).padding;
  const endId = tokenizer.token_to_id("<|endoftext|>");
  const padId = padding?.pad_id ?? tokenizer.token_to_id("!") ?? endId ?? 0;
  return {
    padId,
    encode(prompt: string): Int32Array {
      const ids = tokenizer.encode(prompt).ids;
      const out = new Int32Array(length).fill(padId);
      out.set(ids.slice(0, length));
      if (ids.length > length && endId !== undefined) out[length - 1] = endId;
      return out;
    },
  };
}
