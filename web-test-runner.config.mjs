import { esbuildPlugin } from "@web/dev-server-esbuild";
import { chromeLauncher } from "@web/test-runner-chrome";

/** Browser suites run in Debian's Chromium; --enable-unsafe-webgpu gives a software WebGPU adapter. */
export default {
  files: ["tests/component/**/*.test.ts", "tests/models/**/*.browser.test.ts"],
  nodeResolve: true,
  plugins: [esbuildPlugin({ ts: true, target: "es2022" })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
        headless: true,
        args: [
          "--no-sandbox",
          "--enable-unsafe-webgpu",
          "--enable-features=Vulkan",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      },
    }),
  ],
  testFramework: { config: { timeout: 60000 } },
  browserStartTimeout: 60000,
  testsFinishTimeout: 600000,
  concurrency: 1,
};
