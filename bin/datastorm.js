#!/usr/bin/env -S node --max-semi-space-size=4
// Thin entry point: everything lives in src/cli (compiled to dist/ by `npm run build`).
// The main thread's young generation stays at 4 MB a half (V8's default grows to 16): a run of one thread runs
// its worker here (runsInProcess), and the larger one only held 7-8 MB more at the peak for the same CPU.
import { main } from '../dist/src/cli/main.js';

// A reader that stops early (`datastorm produce --help | head`) closes the pipe: that ends the output, not in a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => process.exit(error.code === 'EPIPE' ? 0 : 1));
}

const exitCode = await main(process.argv);
// A pipe takes 64 KB at a time: exiting before what is queued for it is written would cut a --json result short.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
// Exit once the command is done: a client's reconnect timer left behind must not hold a finished command open.
process.exit(exitCode);
