#!/usr/bin/env node
// Thin entry point: everything lives in src/cli (compiled to dist/ by `npm run build`).
import { main } from '../dist/src/cli/main.js';

const exitCode = await main(process.argv);
// A pipe takes 64 KB at a time: exiting before what is queued for it is written would cut a --json result short.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
// Exit once the command is done: a client's reconnect timer left behind must not hold a finished command open.
process.exit(exitCode);
