#!/usr/bin/env node
// The sources are TypeScript run in place: tsx compiles them on load, so there is no build step.
import { register } from "tsx/esm/api"

register()
await import("../src/main.ts")
