/** `tunebench list [--json]`: built-in scenarios and implementations with their knobs. */
import { relative } from 'node:path';
import type { Argv } from 'yargs';
import { allFactories, unavailableImplementations } from '../adapters/registry.js';
import { moduleOf } from '../adapters/modules.js';
import { BUILTIN_SCENARIOS, DEFAULT_SUITE } from '../../scenarios/builtin.js';
import { OPERATION_KINDS } from '../../scenarios/schema.js';

export function listCommand(yargs: Argv): Argv {
  return yargs.command(
    'list',
    'List built-in scenarios and the implementations under test, with their knobs',
    (y) => y.option('json', { type: 'boolean', default: false, describe: 'print as JSON' }).example('$0 list', '').example('$0 list --json', ''),
    (argv) => {
      const implementations = allFactories().map((f) => ({ name: f.name, description: f.description, durability: f.durability, knobs: f.knobs, module: moduleOf(f) ?? null }));
      const where = (path: string) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path));
      if (argv.json) {
        process.stdout.write(`${JSON.stringify({ scenarios: BUILTIN_SCENARIOS, defaultSuite: DEFAULT_SUITE, implementations, unavailable: unavailableImplementations() }, null, 2)}\n`);
        return;
      }
      const out: string[] = ['Scenarios (* = in the default suite):'];
      for (const s of BUILTIN_SCENARIOS) {
        const mix = OPERATION_KINDS.filter((k) => s.mix[k] > 0).map((k) => `${k} ${Math.round(s.mix[k] * 100)}%`).join(', ');
        const size = s.kind === 'workload' ? `${s.dataset.records.toLocaleString('en-US')} records, ${(s.operations ?? 0).toLocaleString('en-US')} ops` : `sizes ${s.sizes?.map((n) => n.toLocaleString('en-US')).join(', ')}`;
        out.push(`  ${DEFAULT_SUITE.includes(s.name) ? '*' : ' '} ${s.name.padEnd(20)} ${s.description}`);
        out.push(`    ${''.padEnd(20)} ${s.kind}; ${size}; ${s.distribution.type}; ${mix}`);
      }
      out.push('', 'Implementations (spec: NAME[:knob=value,...]):');
      const width = Math.max(14, ...implementations.map((f) => f.name.length));
      for (const f of implementations) {
        out.push(`  ${f.name.padEnd(width)} ${f.description}`);
        const indent = ''.padEnd(width);
        out.push(`  ${indent}   durability: ${f.durability.join(', ')}${f.module ? `; from ${where(f.module)}` : ''}`);
        for (const [name, k] of Object.entries(f.knobs)) {
          const range = k.type === 'boolean' ? 'true|false' : `${k.min ?? ''}..${k.max ?? ''}`;
          out.push(`  ${indent}   ${name}=${String(k.default)} (${range}) ${k.description}`);
        }
      }
      for (const u of unavailableImplementations()) out.push(`  ${u.name.padEnd(width)} not available here: ${u.reason}`);
      process.stdout.write(`${out.join('\n')}\n`);
    },
  );
}
