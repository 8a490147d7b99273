#!/usr/bin/env node
// Thin entry point: everything lives in src/cli (compiled to dist/ by `npm run build`).
import { main } from '../dist/src/cli/main.js';

// Exit once the command is done: a client's reconnect timer left behind must not hold a finished command open.
process.exit(await main(process.argv));
