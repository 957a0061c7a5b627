/**
 * The worker's entry point: exposes the {@link Engine} with Comlink. The build bundles it as
 * `dist/latent-evolver.worker.js`, beside onnxruntime-web's wasm files, which it finds from its
 * own URL (so the element works when loaded from another origin).
 *
 * @module
 */

import * as Comlink from "comlink";
import { Engine } from "./engine.ts";
import { keepErrorCauses } from "./error-transfer.ts";

keepErrorCauses(); // the element reads why each backend failed from a failed start's cause
Comlink.expose(new Engine(new URL("./", import.meta.url).href));
