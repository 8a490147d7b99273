import { Command, Option } from 'commander';
import { APICURIO_VERSION, DEFAULT_REGISTRY_PORT, defaultRegistryDir, registryDown, registryStatus, registryUp, type RegistryState } from '../registry/apicurio.js';
import { parseIntegerOption } from '../run-spec/parse.js';

const stderrLine = (line: string) => process.stderr.write(`${line}\n`);

/** The line saying where a running registry answers and what runs it. */
export function formatRegistryLine(state: RegistryState): string {
  return `Apicurio Registry ${state.version} (pid ${state.pid}, Java ${state.java.release}): Confluent's API at ${state.url}`;
}

export function registryCommand(): Command {
  const registry = new Command('registry').description(
    `run a local schema registry (Apicurio Registry ${APICURIO_VERSION}, resolved with Maven) that speaks Confluent's API, for produce and consume --schema-registry`,
  );
  const dirOption = () => new Option('--dir <dir>', 'folder for the registry\'s state and log').default(defaultRegistryDir());
  registry.command('up')
    .description(`start it on 127.0.0.1 (needs Java 21+: JAVA_HOME, else the newest JDK in /usr/lib/jvm); returns once it is ready, its compatibility level BACKWARD (as Confluent's); schemas are kept in memory`)
    .addOption(new Option('--port <port>', 'port of its HTTP API').default(DEFAULT_REGISTRY_PORT).argParser(parseIntegerOption('--port', 1, 65_535)))
    .addOption(dirOption())
    .addOption(new Option('--json', 'print the registry\'s state as JSON on stdout'))
    .action(async (opts: { port: number; dir: string; json?: boolean }) => {
      const state = await registryUp({ port: opts.port, dir: opts.dir, log: stderrLine });
      if (opts.json) process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
      stderrLine(state.alreadyRunning ? `registry already running: ${formatRegistryLine(state)} (nothing done)`
        : `registry up in ${(state.startupMs / 1000).toFixed(1)} s: ${formatRegistryLine(state)}; compatibility BACKWARD`);
    });
  registry.command('down')
    .description('stop it (SIGTERM, SIGKILL after a grace period) and leave no process behind; its schemas are gone')
    .addOption(dirOption())
    .action(async (opts: { dir: string }) => {
      const stopped = await registryDown(opts.dir);
      stderrLine(stopped.length ? `registry down: stopped pid ${stopped.join(', ')}` : 'no registry running');
    });
  registry.command('status')
    .description('whether it runs and answers ready, and where (exit 3: none started, 2: not ready)')
    .addOption(dirOption())
    .addOption(new Option('--json', 'print the status as JSON on stdout'))
    .action(async (opts: { dir: string; json?: boolean }) => {
      const status = await registryStatus(opts.dir);
      if (!status) {
        stderrLine(`no registry in ${opts.dir} (start one with \`datastorm registry up\`)`);
        process.exitCode = 3;
        return;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      stderrLine(`${formatRegistryLine(status.state)}: ${status.ready ? 'ready' : status.alive ? 'NOT READY' : 'NOT RUNNING'}`);
      if (!status.ready) process.exitCode = 2;
    });
  return registry;
}
