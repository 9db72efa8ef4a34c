#!/usr/bin/env node
// The sources are TypeScript run in place: tsx compiles them on load, so there is no build step.
//
// tsx's loader hooks see every module loaded after `register()`, and Effect alone is some
// hundreds of them: through the hooks it took 1.8 s to load, natively 0.5 s. The heavy
// dependencies are plain JavaScript, so they are loaded first, natively; the sources find them
// in the module cache. This halves the start of every command (about 3 s to 1.5 s on 2 cores).
await Promise.all([
  import("effect"),
  import("effect/cli"),
  import("@effect/platform-node/NodeRuntime"),
  import("@effect/platform-node/NodeServices"),
  import("@number0/iroh")
])
const { register } = await import("tsx/esm/api")

register()
await import("../src/main.ts")
