#!/usr/bin/env node
// `npx fynex-keys`: runs the TypeScript CLI (bin/fynex-keys.ts) through tsx, a dependency of the project.
import { tsImport } from "tsx/esm/api";

await tsImport("./fynex-keys.ts", import.meta.url);
