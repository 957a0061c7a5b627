/**
 * The built-in decoder as an ONNX graph: a latent `[N,4,32,32]` and a prompt's style vector `[1,36]`
 * become a landscape `[N,3,256,256]` in [0,1].
 *
 * How: one convolution turns the 4 latent channels into 5 smooth 2-D fields (vegetation, shores,
 * clouds, texture, ripples) at latent resolution: fixed Gaussian kernels (7x7, some stretched sideways)
 * over channel mixes drawn from a seeded generator, each scaled to unit variance. A second convolution
 * reads a band of latent rows around the horizon (rows 13..21) into 4 one-dimensional profiles, one
 * value per column: the horizon line, the near range, its crests, the far range. Resizes (bicubic x2,
 * then bilinear x4) bring both to the image, and per-pixel arithmetic paints the scene from back to
 * front: sky gradient and clouds, far range, near range with light, rock strata and snow, ground with
 * lakes whose shores the latent decides, haze at the horizon. The latent says where things are; the
 * style vector (core/style.ts, from the prompt) says what colour and how much.
 *
 * Locality: a latent cell reaches 3 cells through the kernels plus 2 through the resizes, i.e. about
 * 40 px of 256 across. Cells of the horizon band also move the skyline above them, up to the peak
 * height (at most 0.3 of the side). Only operators that onnxruntime-web's wasm and WebGPU providers
 * both implement are used, with every Conv attribute written out (WebGPU wants them).
 *
 * @module
 */
import { createRng } from "../core/rng.ts";
import { STYLE_LAYOUT, STYLE_SIZE } from "../core/style.ts";
import { DataType, GraphBuilder } from "./onnx-writer.ts";

/** Latent shape the built-in decoder takes. */
export const BUILTIN_LATENT_SHAPE = [4, 32, 32] as const;
/** Output size, [width, height]. */
export const BUILTIN_IMAGE_SIZE = [256, 256] as const;

const K = 7; // kernel width at latent resolution
const SCALE = 8; // latent cell -> pixels
/** Latent rows that decide the mountain skyline: a band around the horizon (rows 13..21 of 32). */
const BAND = { centre: 17, sigma: 1.6, radius: 4 };

/** Conv attributes written out in full: the WebGPU provider does not fill in the defaults. */
const CONV = { dilations: [1, 1], strides: [1, 1], group: 1 };

type FieldSpec = { sx: number; sy: number; derivative?: boolean };
// 2-D fields: V vegetation patches, W shores (flat far away, rounder near), C clouds, T texture,
// R ground ripples
const FIELDS: FieldSpec[] = [
  { sx: 1.4, sy: 0.6 },
  { sx: 2.6, sy: 0.3 },
  { sx: 1.5, sy: 1.1 },
  { sx: 2.2, sy: 0.8 },
  { sx: 0.5, sy: 0.5 },
  { sx: 0.9, sy: 0.35 },
];
// 1-D skyline profiles read from the horizon band: N near range, D crest detail, F far range, L the
// horizon line itself. Being functions of x alone, the skyline never leaves floating islands or holes.
const PROFILES: FieldSpec[] = [{ sx: 1.7, sy: 0 }, { sx: 0.6, sy: 0 }, { sx: 2.0, sy: 0 }, {
  sx: 2.2,
  sy: 0,
}];

function unitMixes(rng: ReturnType<typeof createRng>, n: number, c: number): number[][] {
  return Array.from({ length: n }, () => {
    const v = Array.from({ length: c }, () => rng.normal());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

/** Conv weights [n, C, kh, K]: separable Gaussians over a channel mix, scaled to unit output variance. */
function kernels(
  specs: FieldSpec[],
  mixes: number[][],
  kh: number,
  vertical: (i: number, f: FieldSpec) => number,
) {
  const C = BUILTIN_LATENT_SHAPE[0];
  const w = new Float32Array(specs.length * C * kh * K);
  const r = (K - 1) / 2;
  specs.forEach((f, k) => {
    const kernel = new Float64Array(kh * K);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < K; j++) {
        const dx = j - r;
        kernel[i * K + j] = Math.exp(-(dx * dx) / (2 * f.sx * f.sx)) * vertical(i, f);
      }
    }
    // Unit variance for i.i.d. N(0,1) latents: the squared weights over channels and taps sum to 1.
    let ss = 0;
    for (const v of kernel) ss += v * v;
    const norm = 1 / Math.sqrt(ss);
    for (let c = 0; c < C; c++) {
      for (let t = 0; t < kh * K; t++) w[(k * C + c) * kh * K + t] = kernel[t] * mixes[k][c] * norm;
    }
  });
  return w;
}

/**
 * Builds the built-in decoder.
 *
 * @param seed Seed of the channel mixes (the build uses 1).
 * @returns The .onnx bytes.
 * @example
 * ```ts
 * import { buildBuiltinDecoder } from "./builtin-graph.ts";
 * const bytes = buildBuiltinDecoder(1);
 * ```
 */
export function buildBuiltinDecoder(seed: number): Uint8Array {
  const g = new GraphBuilder("latent-evolver-landscape");
  const [C, h, w] = BUILTIN_LATENT_SHAPE;
  const [W, H] = BUILTIN_IMAGE_SIZE;
  const latent = g.input("latent", DataType.FLOAT, ["batch", C, h, w]);
  const style = g.input("style", DataType.FLOAT, [1, STYLE_SIZE]);

  const add = (a: string, b: string) => g.node("Add", [a, b]);
  const sub = (a: string, b: string) => g.node("Sub", [a, b]);
  const mul = (a: string, b: string) => g.node("Mul", [a, b]);
  const sig = (a: string) => g.node("Sigmoid", [a]);
  const clip01 = (a: string) => g.node("Clip", [a, g.f32(0), g.f32(1)]);
  const c = (v: number) => g.f32(v);
  const lerp = (a: string, b: string, t: string) => add(a, mul(t, sub(b, a)));
  // a*x + b with constants
  const affine = (x: string, a: number, b: number) => add(mul(x, c(a)), c(b));

  // Style: [1,36] -> [1,36,1,1] -> one [1,k,1,1] tensor per entry of STYLE_LAYOUT.
  const s4 = g.node("Reshape", [style, g.i64([1, STYLE_SIZE, 1, 1])]);
  const entries = Object.entries(STYLE_LAYOUT).sort((a, b) => a[1] - b[1]);
  const sizes = entries.map(([, at], i) => (i + 1 < entries.length ? entries[i + 1][1] : STYLE_SIZE) - at);
  // Slices rather than one Split: WebGPU allows 8 storage buffers per kernel, a Split of 18 needs 19.
  const axis1 = g.i64([1]);
  const channels = (x: string, sizes: number[]) => {
    let at = 0;
    return sizes.map((n) => g.node("Slice", [x, g.i64([at]), g.i64([at += n]), axis1]));
  };
  const parts = channels(s4, sizes);
  const S = Object.fromEntries(entries.map(([name], i) => [name, parts[i]])) as Record<
    keyof typeof STYLE_LAYOUT,
    string
  >;

  // Fields at latent resolution, then bicubic up to the image.
  const rng = createRng(seed);
  const fieldW = kernels(FIELDS, unitMixes(rng, FIELDS.length, C), K, (i, f) => {
    const dy = i - (K - 1) / 2;
    return Math.exp(-(dy * dy) / (2 * f.sy * f.sy));
  });
  const low = g.node("Conv", [latent, g.constant([FIELDS.length, C, K, K], fieldW)], {
    ...CONV,
    kernel_shape: [K, K],
    pads: [3, 3, 3, 3],
  });
  // Bicubic x2 then bilinear x4: as smooth to the eye as bicubic x8, at a quarter of the cost (a
  // bicubic x8 resize was 78% of the run time on CPU).
  const up = g.node("Resize", [
    g.node("Resize", [low, "", g.f32([1, 1, 2, 2])], { mode: "cubic" }),
    "",
    g.f32([1, 1, SCALE / 2, SCALE / 2]),
  ], { mode: "linear" });
  const [Fv, FwFar, FwNear, Fc, Ft, Fr] = channels(up, FIELDS.map(() => 1));

  // Skyline profiles: a Gaussian-weighted band of latent rows around the horizon, one value per column.
  const bandRows = 2 * BAND.radius + 1;
  const profW = kernels(PROFILES, unitMixes(rng, PROFILES.length, C), bandRows, (i) => {
    const dy = i - BAND.radius;
    return Math.exp(-(dy * dy) / (2 * BAND.sigma * BAND.sigma));
  });
  const band = g.node("Slice", [
    latent,
    g.i64([BAND.centre - BAND.radius]),
    g.i64([BAND.centre + BAND.radius + 1]),
    g.i64([2]),
  ]);
  const prof = g.node("Conv", [band, g.constant([PROFILES.length, C, bandRows, K], profW)], {
    ...CONV,
    kernel_shape: [bandRows, K],
    pads: [0, 3, 0, 3],
  });
  const profUp = g.node("Resize", [
    g.node("Resize", [prof, "", g.f32([1, 1, 1, 2])], { mode: "cubic" }),
    "",
    g.f32([1, 1, 1, SCALE / 2]),
  ], { mode: "linear" });
  const [Pn, Pd, Pf, Pl] = channels(profUp, [1, 1, 1, 1]);

  const y = g.constant([1, 1, H, 1], Float32Array.from({ length: H }, (_, i) => (i + 0.5) / H));
  const edge = (x: string, sharpness: number) => sig(mul(x, c(sharpness)));

  // Geometry: horizon line, two ranges standing on it, ground below. Heights are per column [N,1,1,W].
  const horizon = add(S.horizon, mul(Pl, c(0.04)));
  const altitude = sub(horizon, y); // > 0 above the horizon
  const crest = mul(sub(c(1), g.node("Abs", [Pd])), sig(affine(Pn, 3, 0.5))); // sharp peaks on high ground
  const massif = mul(S.mountainHeight, g.node("Relu", [affine(Pn, 0.9, 0.05)]));
  const nearHeight = add(massif, mul(S.mountainHeight, mul(crest, c(0.12))));
  const farHeight = mul(S.mountainHeight, add(mul(sig(affine(Pf, 2, 0.8)), c(0.55)), c(0.04)));
  const nearMask = edge(sub(nearHeight, altitude), 500);
  const farMask = edge(sub(farHeight, altitude), 350);
  const groundMask = edge(g.node("Neg", [altitude]), 500);
  // Slope of the near range's mass (not its crests, which would stripe it): one side faces the light.
  // The mass is extended by its edge values, not zeros: zero padding made a cliff at each image side
  // (a dark band down the right edge of every range that reached it, a bright one down the left).
  const massifEdged = g.node("Pad", [massif, g.i64([0, 0, 0, 2, 0, 0, 0, 2])], { mode: "edge" });
  const slope = g.node(
    "Conv",
    [massifEdged, g.constant([1, 1, 1, 5], Float32Array.from([-1, -1, 0, 1, 1]))],
    {
      ...CONV,
      kernel_shape: [1, 5],
      pads: [0, 0, 0, 0],
    },
  );

  // Sky: gradient to the horizon glow, clouds stretched sideways, thinning towards the horizon.
  const skyT = clip01(g.node("Div", [y, S.horizon]));
  let img = lerp(S.skyTop, S.skyHorizon, mul(skyT, skyT));
  const cloudCover = sig(mul(add(Fc, sub(mul(S.cloudiness, c(2.4)), c(1.8))), c(4)));
  const cloudMask = mul(cloudCover, mul(S.cloudiness, clip01(mul(altitude, c(3)))));
  img = lerp(img, mul(S.cloud, affine(Ft, 0.06, 0.94)), cloudMask);

  // Far range: pale, little detail.
  img = lerp(img, mul(S.farRange, affine(Ft, 0.03, 1)), farMask);

  // Near range: lit on one side, darker at its foot, rock strata, snow above the snow line.
  const lit = clip01(add(c(0.8), mul(mul(slope, S.light), c(5))));
  const foot = add(c(0.75), mul(clip01(g.node("Div", [altitude, add(nearHeight, c(0.01))])), c(0.35)));
  const strata = add(
    c(1),
    mul(S.strataAmount, g.node("Cos", [mul(add(y, mul(Ft, c(0.004))), S.strataFrequency)])),
  );
  const rock = mul(S.nearRange, mul(mul(lit, foot), mul(strata, affine(Ft, 0.04, 1))));
  const snowMask = edge(sub(altitude, add(mul(S.mountainHeight, S.snowLine), mul(Ft, c(0.008)))), 150);
  const rockSnow = lerp(rock, mul(S.snow, add(c(0.45), mul(lit, c(0.6)))), snowMask);
  img = lerp(img, rockSnow, nearMask);

  // Ground: meadows and shores from stretched fields, water reflecting the sky with faint ripples.
  // Depth from the mean horizon, not the wobbly one: a skyline edit must not recolour the whole foreground.
  const depth = clip01(mul(sub(y, S.horizon), c(3)));
  const patches = sig(mul(Fv, c(2)));
  const land = mul(
    lerp(S.groundFar, S.groundNear, add(mul(depth, c(0.7)), mul(patches, c(0.3)))),
    mul(affine(Ft, 0.04, 1), affine(Fr, 0.05, 0.97)),
  );
  const ripples = mul(g.node("Cos", [add(mul(y, c(300)), mul(Fr, c(2)))]), mul(depth, c(0.03)));
  const water = add(lerp(S.skyHorizon, S.water, clip01(mul(depth, c(1.6)))), ripples);
  // Shores foreshortened towards the horizon: a flat field far away, a round one near the viewer.
  const shore = lerp(FwFar, FwNear, depth);
  const landMask = edge(add(shore, S.waterLevel), 8);
  img = lerp(img, lerp(water, land, landMask), groundMask);

  // Haze where sky meets land.
  const haze = mul(S.fog, clip01(sub(c(1), mul(g.node("Abs", [altitude]), c(10)))));
  img = lerp(img, S.skyHorizon, haze);

  g.output(g.node("Clip", [img, c(0), c(1)], {}, "image"), DataType.FLOAT, ["batch", 3, H, W]);
  return g.toModel({ opset: 17 });
}
