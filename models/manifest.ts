/**
 * Writes the `manifest.json` of a model folder, so that a site owner with an exported model needs to
 * write nothing by hand: `deno run -A models/manifest.ts <folder>` finds the ONNX files of a decoder or
 * of an SD-Turbo export (optimum's layout, `unet/model.onnx` and so on, or flat `unet.onnx`), reads
 * their element types and shapes from the models themselves (with onnxruntime-node), their sizes and
 * SHA-256 hashes (the tokenizer.json's too), then loads the folder through `core/pipeline` as the element and the server will,
 * and writes the manifest only if that load succeeds.
 *
 * Options: `--name NAME` (default: the folder's name), `--latent-shape C,H,W` (for a model whose latent
 * size is free; an SD-Turbo UNet's default is 4,64,64, for 512x512 images), `--description TEXT`,
 * `--force` (replace an existing manifest.json).
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { type ModelKind, parseManifest, sha256Hex } from "../core/manifest.ts";
import { createGenerator } from "../core/pipeline.ts";
import { tensorMetadata } from "../core/pipeline-io.ts";
import { createPromptTokenizer } from "../core/tokenizer.ts";

/** Where each file of a kind may be, in the order tried: optimum's layout, then flat files. */
const LAYOUT: Record<ModelKind, Record<string, string[]>> = {
  "sd-turbo": {
    text_encoder: ["text_encoder/model.onnx", "text_encoder.onnx"],
    unet: ["unet/model.onnx", "unet.onnx"],
    vae_decoder: ["vae_decoder/model.onnx", "vae_decoder.onnx"],
  },
  decoder: { decoder: ["model.onnx", "decoder.onnx", "decoder/model.onnx"] },
};
const TOKENIZER = ["tokenizer.json", "tokenizer/tokenizer.json"];
/** SD-Turbo's latent for its 512x512 images, for a UNet whose height and width are free. */
const SD_TURBO_LATENT = [4, 64, 64] as const;

/** Options of {@link describeModelFolder}. */
export type DescribeOptions = {
  /** The model's name (default: the folder's name). */
  name?: string;
  /** `[C, H, W]` for a model whose latent height and width are free. */
  latentShape?: readonly [number, number, number];
  description?: string;
};

/** A written manifest's content, and what the reader should know about how it was made. */
export type Description = { manifest: Record<string, unknown>; notes: string[] };

const exists = (path: string) => Deno.stat(path).then((s) => s.isFile, () => false);

async function findFirst(dir: string, candidates: string[]): Promise<string | undefined> {
  for (const c of candidates) if (await exists(join(dir, c))) return c;
  return undefined;
}

/** The session's declared type and dims of a tensor, or a TypeError naming what the file lacks. */
function tensorOf(session: ort.InferenceSession, file: string, side: "input" | "output", name: string) {
  const m = tensorMetadata(session, side, name);
  if (!m) {
    const names = (side === "input" ? session.inputNames : session.outputNames).join(", ");
    throw new TypeError(
      `Cannot describe the model: ${file} has no ${side} "${name}" (its ${side}s: ${names})`,
    );
  }
  return { type: m.type, dims: m.shape };
}

/** Reads a file and opens it as onnxruntime will (from its bytes, as the pipeline does). */
async function openModel(dir: string, file: string) {
  const bytes = await Deno.readFile(join(dir, file));
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (error) {
    // Exporters name the weights after the model (model.onnx_data, unet.onnx.data) or weights.pb.
    const folder = join(dir, file, "..");
    const stem = basename(file);
    const siblings = [...Deno.readDirSync(folder)].map((e) => e.name).filter((n) =>
      n === "weights.pb" || (n !== stem && n.startsWith(stem) && /\.(onnx_data|data)$/.test(n))
    );
    throw new TypeError(
      siblings.length
        ? `Cannot describe the model: ${file} keeps its weights in an external-data file (${
          siblings.join(", ")
        }), ` +
          `which manifests cannot name; use an export whose weights are inside the .onnx file (SD-Turbo: the fp16 one)`
        : `Cannot describe the model: onnxruntime cannot open ${file} (${(error as Error).message})`,
      { cause: error },
    );
  }
  return { bytes, session };
}

const dtypeOf = (type: string, file: string) => {
  if (type !== "float32" && type !== "float16") {
    throw new TypeError(`Cannot describe the model: ${file} takes ${type} latents, not float32 or float16`);
  }
  return type;
};

const isSize = (d: unknown): d is number => typeof d === "number" && d > 0;

/** The dims of a decoder's image for one zero latent (other inputs, such as `style`, zeros too). */
async function probeImage(session: ort.InferenceSession, latentShape: number[]): Promise<readonly number[]> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const m of session.inputMetadata) {
    const dims = m.name === "latent"
      ? [1, ...latentShape]
      : m.isTensor
      ? m.shape.map((d) => isSize(d) ? d : 1)
      : [];
    feeds[m.name] = new ort.Tensor("float32", new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  }
  const out = await session.run(feeds);
  return out.image.dims;
}

/**
 * What to know of a tokenizer.json's padding: SD-Turbo was trained with prompts padded with `!`,
 * which the pipeline uses unless the file sets another `padding.pad_id`.
 */
function paddingNotes(json: unknown, path: string): string[] {
  const pad = createPromptTokenizer(json).padId;
  const bang = (json as { model?: { vocab?: Record<string, number> } }).model?.vocab?.["!"];
  return bang === undefined || pad === bang ? [] : [
    `${path} pads prompts with id ${pad} (its "padding"); SD-Turbo was trained with "!" (id ${bang}), ` +
    `which diffusers pads with: delete "padding" from the file to pad as it does`,
  ];
}

/**
 * Describes a model folder: its kind, files, dtypes, shapes, sizes and hashes, as a manifest.
 *
 * @param dir The folder.
 * @param options Name, latent shape for free dims, description.
 * @returns The manifest's content (not yet checked by loading it) and notes on defaults taken.
 * @example
 * ```ts
 * import { describeModelFolder } from "./manifest.ts";
 * const { manifest } = await describeModelFolder("models/builtin", { name: "builtin-landscape" });
 * manifest.kind; // "decoder"
 * ```
 */
export async function describeModelFolder(dir: string, options: DescribeOptions = {}): Promise<Description> {
  const notes: string[] = [];
  const found: Partial<Record<ModelKind, Record<string, string | undefined>>> = {};
  for (const [kind, files] of Object.entries(LAYOUT) as [ModelKind, Record<string, string[]>][]) {
    found[kind] = Object.fromEntries(
      await Promise.all(Object.entries(files).map(async ([k, c]) => [k, await findFirst(dir, c)] as const)),
    );
  }
  const kind: ModelKind | undefined = found["sd-turbo"]!.unet
    ? "sd-turbo"
    : found.decoder!.decoder
    ? "decoder"
    : undefined;
  if (!kind) {
    throw new TypeError(
      `Cannot describe the model: ${dir} has no ${
        LAYOUT["sd-turbo"].unet.join(" or ")
      } (an SD-Turbo export) ` +
        `and no ${LAYOUT.decoder.decoder.join(" or ")} (a decoder)`,
    );
  }
  const paths = found[kind]!;
  const missing = Object.keys(LAYOUT[kind]).filter((k) => !paths[k]);
  if (missing.length) {
    throw new TypeError(
      `Cannot describe the model: ${dir} looks like ${
        kind === "sd-turbo" ? "an SD-Turbo" : "a decoder"
      } export but has no ${missing.map((k) => LAYOUT[kind][k].join(" or ")).join(", no ")}`,
    );
  }
  const files: Record<string, Record<string, unknown>> = {};
  let latentShape: number[] | undefined, imageSize: number[] | undefined, tokenizer: string | undefined;
  for (const [key, path] of Object.entries(paths) as [string, string][]) {
    const { bytes, session } = await openModel(dir, path);
    try {
      let dtype: string;
      if (key === "decoder") {
        const latent = tensorOf(session, path, "input", "latent");
        const image = tensorOf(session, path, "output", "image");
        dtype = dtypeOf(latent.type, path);
        latentShape = options.latentShape ? [...options.latentShape] : latent.dims.slice(1) as number[];
        if (!latentShape.every(isSize)) {
          throw new TypeError(
            `Cannot describe the model: ${path}'s latent has free dims ${
              JSON.stringify(latent.dims)
            }: give --latent-shape C,H,W`,
          );
        }
        if (latent.dims.length !== 4 || image.dims.length !== 4) {
          throw new TypeError(
            `Cannot describe the model: ${path} must take latent [N,C,H,W] and give image [N,3,H,W], ` +
              `got ${JSON.stringify(latent.dims)} and ${JSON.stringify(image.dims)}`,
          );
        }
        // A fully convolutional decoder's image size is known only by running it.
        const [, , h, w] = image.dims.every(isSize) ? image.dims : await probeImage(session, latentShape);
        imageSize = [w, h];
      } else if (key === "unet") {
        const sample = tensorOf(session, path, "input", "sample");
        dtype = dtypeOf(sample.type, path);
        const [, c, h, w] = sample.dims;
        if (options.latentShape) latentShape = [...options.latentShape];
        else if (isSize(h) && isSize(w)) latentShape = [isSize(c) ? c : 4, h, w];
        else {
          latentShape = [...SD_TURBO_LATENT];
          notes.push(
            `the UNet's height and width are free: latentShape ${
              JSON.stringify(latentShape)
            } (512x512 images); --latent-shape sets another`,
          );
        }
        imageSize = [latentShape[2] * 8, latentShape[1] * 8];
      } else if (key === "text_encoder") {
        dtype = dtypeOf(tensorOf(session, path, "output", "last_hidden_state").type, path);
      } else {
        dtype = dtypeOf(tensorOf(session, path, "input", "latent_sample").type, path);
      }
      files[key] = { path, dtype, bytes: bytes.length, sha256: await sha256Hex(bytes) };
    } finally {
      await session.release();
    }
  }
  if (kind === "sd-turbo") {
    tokenizer = await findFirst(dir, TOKENIZER);
    if (!tokenizer) {
      const slow = await exists(join(dir, "tokenizer", "vocab.json"));
      // A Python string literal on every system: forward slashes, JSON's quoting.
      const folder = JSON.stringify(resolve(dir, "tokenizer").replaceAll("\\", "/"));
      throw new TypeError(
        `Cannot describe the model: ${dir} has no ${TOKENIZER.join(" or ")}` +
          (slow
            ? ` (tokenizer/ has vocab.json and merges.txt, a slow tokenizer: save it as tokenizer.json with ` +
              `python -c 'from transformers import CLIPTokenizerFast as T; T.from_pretrained(${folder}).save_pretrained(${folder})')`
            : ""),
      );
    }
  }
  let tokenizerEntry: Record<string, unknown> | undefined;
  if (tokenizer) {
    const bytes = await Deno.readFile(join(dir, tokenizer));
    notes.push(...paddingNotes(JSON.parse(new TextDecoder().decode(bytes)), tokenizer));
    tokenizerEntry = { path: tokenizer, bytes: bytes.length, sha256: await sha256Hex(bytes) };
  }
  const manifest = {
    name: options.name ?? basename(resolve(dir)),
    kind,
    ...(options.description ? { description: options.description } : {}),
    latentShape,
    imageSize,
    ...(tokenizerEntry ? { tokenizer: tokenizerEntry } : {}),
    files,
  };
  return { manifest, notes };
}

/**
 * Describes a folder, loads it through `core/pipeline` on onnxruntime-node (every name, dim and type
 * the element checks), and writes its manifest.json.
 *
 * @param dir The folder.
 * @param options As {@link describeModelFolder}, and `force` to replace an existing manifest.json.
 * @returns What was written.
 * @example
 * ```ts
 * import { writeModelManifest } from "./manifest.ts";
 * const { notes } = await writeModelManifest("/srv/models/sd-turbo"); // writes /srv/models/sd-turbo/manifest.json
 * for (const note of notes) console.log(note);
 * ```
 */
export async function writeModelManifest(
  dir: string,
  options: DescribeOptions & { force?: boolean } = {},
): Promise<Description> {
  const target = join(dir, "manifest.json");
  if (!options.force && await exists(target)) {
    throw new TypeError(`Cannot write ${target}: it exists (--force replaces it)`);
  }
  const described = await describeModelFolder(dir, options);
  const parsed = parseManifest(described.manifest, pathToFileURL(target));
  const generator = await createGenerator(parsed, ort as Parameters<typeof createGenerator>[1]);
  await generator.dispose();
  await Deno.writeTextFile(target, JSON.stringify(described.manifest, null, 2) + "\n");
  return described;
}

/**
 * Reads the command line.
 *
 * @param args A folder, then `--name NAME`, `--latent-shape C,H,W`, `--description TEXT`, `--force`
 * (`--flag=value` too; after `--`, the folder even if it starts with `-`).
 * @returns The folder and the options.
 * @throws TypeError with the usage on anything else.
 * @example
 * ```ts
 * import { parseArgs } from "./manifest.ts";
 * parseArgs(["models/sd-turbo", "--name", "sd-turbo"]); // { dir: "models/sd-turbo", name: "sd-turbo", force: false }
 * ```
 */
export function parseArgs(args: string[]): { dir: string } & DescribeOptions & { force: boolean } {
  const usage = "usage: deno run -A models/manifest.ts <folder> [--name NAME] [--latent-shape C,H,W] " +
    "[--description TEXT] [--force]";
  let dir: string | undefined;
  const out: DescribeOptions & { force: boolean } = { force: false };
  const folder = (arg: string) => {
    if (dir !== undefined) throw new TypeError(`one folder only, got "${dir}" and "${arg}"; ${usage}`);
    dir = arg;
  };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") {
      args.slice(i + 1).forEach(folder);
      break;
    }
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") throw new TypeError(`${flag} needs a value; ${usage}`);
      return v;
    };
    if (flag === "--name") out.name = value();
    else if (flag === "--description") out.description = value();
    else if (flag === "--force") out.force = true;
    else if (flag === "--latent-shape") {
      const text = value();
      const shape = text.split(",").map(Number);
      if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
        throw new TypeError(`--latent-shape must be three positive integers C,H,W, got "${text}"`);
      }
      out.latentShape = shape as unknown as [number, number, number];
    } else if (flag.startsWith("-")) throw new TypeError(`unknown option ${flag}; ${usage}`);
    else folder(args[i]);
  }
  if (dir === undefined) throw new TypeError(usage);
  return { dir, ...out };
}

if (import.meta.main) {
  try {
    const { dir, ...options } = parseArgs(Deno.args);
    const { manifest, notes } = await writeModelManifest(dir, options);
    for (const n of notes) console.log(`note: ${n}`);
    console.log(
      `wrote ${
        join(dir, "manifest.json")
      }: ${manifest.kind} "${manifest.name}", loaded through core/pipeline`,
    );
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
