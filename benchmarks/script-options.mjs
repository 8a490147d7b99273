// The command line of every script in benchmarks/, read one way: its options in one table (type, default, what it
// is), --help printed from that table, and anything else refused in one line with exit 2, before the script starts a
// cluster or any load.
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HELP = { type: 'boolean', short: 'h', help: 'print this and exit' };

/** --bootstrap-server for the scripts that need a running cluster named. */
export const CLUSTER_OPTION = { type: 'string', value: 'HOST:PORT,...', required: true, help: 'the cluster (start one with `datastorm cluster up`)' };

/**
 * Reads the command line of the script at `scriptUrl` (its import.meta.url). `about` says what it measures (lines);
 * `options` maps each option's name to { type: 'string' | 'boolean', value (a placeholder, for a string), default,
 * help, choices, required }; `positionals` names the arguments it takes besides them ('<report dir>...'), none when
 * absent. Returns the values by option name, the positionals and `refuse(message)`, which ends the script as a bad
 * option does: one line on stderr, exit 2.
 */
export function scriptOptions(scriptUrl, { about, options, positionals }) {
  const script = `benchmarks/${basename(fileURLToPath(scriptUrl))}`;
  const refuse = (message) => {
    process.stderr.write(`${script}: ${message} (node ${script} --help lists its options)\n`);
    process.exit(2);
  };
  const table = { ...options, help: HELP };
  let parsed;
  try {
    parsed = parseArgs({
      // parseArgs refuses keys whose value is undefined: only those the table gives.
      options: Object.fromEntries(Object.entries(table).map(([name, { type, short, default: value }]) =>
        [name, { type, ...(short && { short }), ...(value !== undefined && { default: value }) }])),
      allowPositionals: positionals !== undefined,
    });
  } catch (error) {
    if (!String(error.code).startsWith('ERR_PARSE_ARGS_')) throw error;
    // Node's message goes on about quoting; its first sentence names the option.
    refuse(error.message.split('. ')[0]);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(usage(script, about, table, positionals));
    process.exit(0);
  }
  for (const [name, o] of Object.entries(options)) {
    if (o.required && values[name] === undefined) refuse(`--${name} ${o.value} is required: ${o.help}`);
    if (o.choices && values[name] !== undefined && !o.choices.includes(values[name])) refuse(`--${name}: ${o.choices.join(' or ')}, not ${values[name]}`);
  }
  return { values, positionals: parsed.positionals, refuse };
}

/** The --help text: the usage line, what the script measures, and each option with its default. */
function usage(script, about, table, positionals) {
  const flag = ([name, o]) => `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value}` : ''}`;
  const rows = Object.entries(table).map((entry) => [flag(entry), entry[1]]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(([left, o]) => `  ${left.padEnd(width)}${o.help}${o.type === 'string' && o.default ? ` (default ${o.default})` : ''}`);
  return [`usage: node ${script} [options]${positionals ? ` ${positionals}` : ''}`, '', ...about, '', 'options:', ...lines, ''].join('\n');
}
