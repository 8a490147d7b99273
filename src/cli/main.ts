import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { DataStormError, formatError } from '../shared/errors.js';
/**
 * The commands, by module and in --help's order. A run loads only the module of the command it names: loading them
 * all took 0.45 s of CPU at every start, half of it for commands that did not run.
 */
const COMMAND_MODULES: Array<{ names: string[]; load: () => Promise<Command[]> }> = [
  { names: ['produce'], load: async () => [(await import('./produce-command.js')).produceCommand()] },
  {
    names: ['consume', 'e2e', 'lag', 'replay-check'],
    load: async () => {
      const m = await import('./consume-command.js');
      return [m.consumeCommand(), m.endToEndCommand(), m.lagCommand(), m.replayCheckCommand()];
    },
  },
  { names: ['drain', 'sink'], load: async () => { const m = await import('./drain-command.js'); return [m.drainCommand(), m.sinkCommand()]; } },
  { names: ['http-produce', 'gateway'], load: async () => { const m = await import('./http-command.js'); return [m.httpProduceCommand(), m.gatewayCommand()]; } },
  { names: ['cluster', 'kafka-tool'], load: async () => { const m = await import('./cluster-command.js'); return [m.clusterCommand(), m.kafkaToolCommand()]; } },
  { names: ['registry'], load: async () => [(await import('./registry-command.js')).registryCommand()] },
  { names: ['capacity'], load: async () => [(await import('./capacity-command.js')).capacityCommand()] },
  { names: ['chaos'], load: async () => [(await import('./chaos-command.js')).chaosCommand()] },
  { names: ['bench', 'merge'], load: async () => { const m = await import('./bench-command.js'); return [m.benchCommand(), m.mergeCommand()]; } },
  {
    names: ['compare', 'sweep', 'evolution'],
    load: async () => {
      const m = await import('./analysis-command.js');
      return [m.codecCompareCommand(), m.sweepCommand(), m.evolutionCommand()];
    },
  },
];

/** The program with the command `name` (argv's first argument), or with every command for help, a version or an unknown name. */
export async function buildProgram(name?: string): Promise<Command> {
  const program = new Command('datastorm')
    .description('Load-test Apache Kafka producers; every figure measured on a real cluster and reconciled with its offsets')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  const named = COMMAND_MODULES.find((module) => name !== undefined && module.names.includes(name));
  for (const module of named ? [named] : COMMAND_MODULES) {
    for (const command of await module.load()) program.addCommand(command);
  }
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Every command's name, as COMMAND_MODULES lists them (checked against the commands by a test). */
export const commandNames = (): string[] => COMMAND_MODULES.flatMap((module) => module.names);

/** Runs the CLI and returns its exit code; errors end as one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv[2])).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // A value parser that failed inside an action (a producer property's value, a workload's --set) reaches here
    // unprinted; commander prints only what fails while it parses the command line.
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`${formatError(new DataStormError('DS_BAD_OPTION', error.message))}\n`);
      return 1;
    }
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${formatError(error)}\n`);
    if (process.env.DATASTORM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return error instanceof DataStormError ? error.exitCode : 1;
  }
}
