/**
 * The built-in decoder's prompt conditioning: a prompt is hashed into a small float vector (a palette
 * and a few scene parameters) that the model takes as its `style` input. Same prompt, same vector, in
 * every engine: only the seeded generator and a few arithmetic operations are used.
 *
 * @module
 */
import { createRng, hashSeed, type Rng } from "./rng.ts";

/**
 * Layout of the style vector. Colours are linear RGB triples in [0, 1]; the rest are scalars.
 * The order is part of the built-in model's interface (models/build.ts reads the same table).
 */
export const STYLE_LAYOUT = {
  skyTop: 0,
  skyHorizon: 3,
  cloud: 6,
  farRange: 9,
  nearRange: 12,
  groundNear: 15,
  groundFar: 18,
  water: 21,
  snow: 24,
  horizon: 27,
  mountainHeight: 28,
  waterLevel: 29,
  cloudiness: 30,
  strataFrequency: 31,
  strataAmount: 32,
  light: 33,
  snowLine: 34,
  fog: 35,
} as const;

/** Length of the style vector. */
export const STYLE_SIZE = 36;

function hsl(h: number, s: number, l: number): [number, number, number] {
  const hue = ((h % 360) + 360) % 360;
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const x = c * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = l - c / 2;
  const [r, g, b] = hue < 60
    ? [c, x, 0]
    : hue < 120
    ? [x, c, 0]
    : hue < 180
    ? [0, c, x]
    : hue < 240
    ? [0, x, c]
    : hue < 300
    ? [x, 0, c]
    : [c, 0, x];
  return [r + m, g + m, b + m];
}

function mix(a: number[], b: number[], t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

type Mood = "day" | "dusk" | "night" | "mist";
const MOODS: Mood[] = ["day", "dusk", "night", "mist"];
const KEYWORDS: [RegExp, Mood][] = [
  [/\b(night|moon|star|dark)/i, "night"],
  [/\b(sunset|sunrise|dusk|dawn|evening|fire)/i, "dusk"],
  [/\b(fog|mist|ghost|winter|snow)/i, "mist"],
  [/\b(day|noon|summer|sunny|bright)/i, "day"],
];

/**
 * Computes the built-in decoder's style vector for a prompt: a palette (sky, clouds, two mountain
 * ranges, ground, water, snow) and scene parameters (horizon height, mountain height, water level,
 * cloudiness, rock strata, light direction, snow line, haze). A few words steer the mood ("night",
 * "sunset", "fog", "day"); everything else comes from a hash of the prompt.
 *
 * @param prompt Any text; it is trimmed and lower-cased first, so "Fox " and "fox" match.
 * @returns A new Float32Array of length {@link STYLE_SIZE}.
 * @example
 * ```ts
 * import { promptStyle } from "./style.ts";
 * promptStyle("a fox").length; // 36
 * ```
 */
export function promptStyle(prompt: string): Float32Array {
  const text = prompt.trim().toLowerCase();
  const rng = createRng(hashSeed(`style:${text}`));
  const out = new Float32Array(STYLE_SIZE);
  const put = (at: number, values: number[]) => out.set(values.map((v) => Math.min(1, Math.max(0, v))), at);
  const L = STYLE_LAYOUT;

  let mood = MOODS[rng.int(MOODS.length)];
  for (const [re, m] of KEYWORDS) {
    if (re.test(text)) {
      mood = m;
      break;
    }
  }
  const skyHue = mood === "day"
    ? between(rng, 190, 225)
    : mood === "night"
    ? between(rng, 215, 260)
    : mood ===
        "dusk"
    ? between(rng, 250, 330)
    : between(rng, 0, 360);
  const glowHue = mood === "dusk" ? between(rng, 10, 45) : skyHue + between(rng, -20, 20);
  const landHue = rng.next() < 0.7 ? between(rng, 20, 140) : between(rng, 0, 360);
  const rockHue = landHue + between(rng, -60, 60);
  const light = mood === "night" ? 0.35 : mood === "mist" ? 0.9 : 1;

  const skyTop = mood === "mist"
    ? hsl(skyHue, 0.15, 0.7)
    : hsl(skyHue, between(rng, 0.5, 0.8), mood === "night" ? 0.1 : mood === "dusk" ? 0.3 : 0.45);
  const skyHorizon = mood === "dusk"
    ? hsl(glowHue, 0.9, 0.62)
    : mood === "night"
    ? hsl(glowHue, 0.4, 0.28)
    : hsl(glowHue, mood === "mist" ? 0.1 : 0.5, mood === "mist" ? 0.85 : 0.8);
  const cloud = mix(
    mood === "dusk" ? hsl(glowHue + 10, 0.8, 0.75) : [1, 1, 1],
    skyTop,
    mood === "night" ? 0.6 : 0.1,
  );
  const nearRange = hsl(rockHue, between(rng, 0.15, 0.5), between(rng, 0.25, 0.45) * light);
  const farRange = mix(hsl(rockHue + 20, 0.3, 0.45 * light), skyHorizon, between(rng, 0.3, 0.5));
  const groundNear = hsl(landHue, between(rng, 0.35, 0.7), between(rng, 0.22, 0.4) * light);
  const groundFar = mix(hsl(landHue + 15, 0.5, 0.45 * light), skyHorizon, 0.25);
  const water = mix(hsl(skyHue + between(rng, -30, 10), 0.6, 0.25 * light), skyTop, 0.3);
  const snow = mix([0.95, 0.96, 1], skyHorizon, mood === "dusk" ? 0.35 : 0.1).map((v) => v * light);

  put(L.skyTop, skyTop);
  put(L.skyHorizon, skyHorizon);
  put(L.cloud, cloud);
  put(L.farRange, farRange);
  put(L.nearRange, nearRange);
  put(L.groundNear, groundNear);
  put(L.groundFar, groundFar);
  put(L.water, water);
  put(L.snow, snow);
  out[L.horizon] = between(rng, 0.5, 0.64);
  out[L.mountainHeight] = between(rng, 0.12, 0.3);
  out[L.waterLevel] = between(rng, -0.8, 0.8);
  out[L.cloudiness] = mood === "mist" ? between(rng, 0.1, 0.4) : between(rng, 0.2, 0.9);
  out[L.strataFrequency] = between(rng, 40, 160);
  out[L.strataAmount] = between(rng, 0, 0.18);
  out[L.light] = rng.next() < 0.5 ? -1 : 1;
  out[L.snowLine] = /\b(snow|winter|ice|alps?)/.test(text) ? 0.25 : between(rng, 0.55, 1.2);
  out[L.fog] = mood === "mist" ? between(rng, 0.5, 0.8) : between(rng, 0.1, 0.4);
  return out;
}
