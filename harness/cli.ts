#!/usr/bin/env node
/**
 * The tunebench command line. Every command lives in harness/commands/; this file wires them
 * into yargs and turns user mistakes into one line and exit code 2.
 */
import yargs, { type Argv, type MiddlewareFunction } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { packageInfo } from './package-info.js';
import { UsageError, describeFailure } from './errors.js';
import { listCommand } from './commands/list.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { compareCommand } from './commands/compare.js';
import { calibrateCommand } from './commands/calibrate.js';
import { tuneCommand } from './commands/tune.js';
import { baselineCommand } from './commands/baseline.js';
import { gateCommand } from './commands/gate.js';
import { claimsCommand } from './commands/claims.js';
import { historyCommand } from './commands/history.js';
import { mergeCommand } from './commands/merge.js';
import { checkFlagValues } from './commands/flags.js';
import { loadModules } from './adapters/registry.js';
import { CONFIG_FILES } from './adapters/modules.js';

/**
 * yargs calls a middleware with the parsed arguments and itself, whose getOptions() then holds the
 * running command's options (the second argument is missing from @types/yargs).
 */
function flagCheck(argv: Record<string, unknown>, y: { getOptions(): Parameters<typeof checkFlagValues>[1] }): void {
  checkFlagValues(argv, y.getOptions(), hideBin(process.argv));
}

let cli: Argv = yargs(hideBin(process.argv))
  .scriptName('tunebench')
  .usage('$0 <command> [options]\n\nAn optimized UUID -> path index and an adaptive-tuning benchmark harness.')
  .version(packageInfo.version)
  .help()
  .alias('h', 'help')
  .command('$0', false, () => {}, (argv) => {
    const named = argv._[0];
    throw new UsageError(named === undefined ? 'name a command (see tunebench --help)' : `unknown command "${String(named)}" (see tunebench --help)`);
  })
  .option('impl-module', {
    type: 'string',
    array: true,
    global: true,
    describe: `an ES module (.js/.mjs) whose default export is an implementation factory or an array of them (see tunebench/harness); repeatable. A ${CONFIG_FILES.join(' or ')} in this folder listing { "modules": [...] } does the same`,
  })
  .middleware(flagCheck as unknown as MiddlewareFunction)
  // The user's implementations are loaded and checked (each opened once) before any command runs.
  .middleware(async (argv) => loadModules({ cwd: process.cwd(), flags: (argv.implModule as string[] | undefined) ?? [], roots: {}, probe: true }))
  .strict()
  .strictCommands()
  .fail((message, error) => {
    throw error ?? new UsageError(`${message} (see tunebench --help)`);
  });
for (const add of [listCommand, runCommand, compareCommand, calibrateCommand, tuneCommand, baselineCommand, gateCommand, claimsCommand, historyCommand, mergeCommand, reportCommand]) cli = add(cli);

try {
  await cli.parseAsync();
} catch (error) {
  process.stderr.write(`tunebench: ${describeFailure(error)}\n`);
  process.exitCode = 2;
}
