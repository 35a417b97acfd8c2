#!/usr/bin/env node
// The `wslab` command: registers tsx (the lab is TypeScript run from source),
// then runs lab/cli/wslab.ts. Plain JS so it works as an npm `bin` from any directory.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/wslab.ts');
await main(process.argv);
