// The WebGPU backend is tested on Chromium's software adapter (--enable-unsafe-webgpu); if this
// fails, every WebGPU test below would be testing nothing.
it("Chromium under test exposes a WebGPU adapter", async () => {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) throw new Error("navigator.gpu is missing: launch Chromium with --enable-unsafe-webgpu");
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error("requestAdapter() returned null");
});
