import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { DataStormError, formatError } from '../shared/errors.js';
import { clusterCommand, kafkaToolCommand } from './cluster-command.js';
import { consumeCommand, endToEndCommand, lagCommand, replayCheckCommand } from './consume-command.js';
import { produceCommand } from './produce-command.js';
import { drainCommand, sinkCommand } from './drain-command.js';
import { benchCommand, mergeCommand } from './bench-command.js';
import { codecCompareCommand, evolutionCommand, sweepCommand } from './analysis-command.js';

export function buildProgram(): Command {
  const program = new Command('datastorm')
    .description('Load-test Apache Kafka producers; every figure measured on a real cluster and reconciled with its offsets')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  program.addCommand(produceCommand());
  program.addCommand(consumeCommand());
  program.addCommand(endToEndCommand());
  program.addCommand(lagCommand());
  program.addCommand(replayCheckCommand());
  program.addCommand(drainCommand());
  program.addCommand(sinkCommand());
  program.addCommand(clusterCommand());
  program.addCommand(kafkaToolCommand());
  program.addCommand(benchCommand());
  program.addCommand(mergeCommand());
  program.addCommand(codecCompareCommand());
  program.addCommand(sweepCommand());
  program.addCommand(evolutionCommand());
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and returns its exit code; errors end as one line on stderr, never a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // A value parser that failed inside an action (a producer property's value, a workload's --set) reaches here
    // unprinted; commander prints only what fails while it parses the command line.
    if (error instanceof InvalidArgumentError) {
      process.stderr.write(`error DS_BAD_OPTION: ${error.message}\n`);
      return 1;
    }
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${formatError(error)}\n`);
    if (process.env.DATASTORM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return error instanceof DataStormError ? error.exitCode : 1;
  }
}
