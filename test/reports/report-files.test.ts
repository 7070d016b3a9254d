/**
 * Where report files go and whether they arrive whole: names built from report data stay inside
 * --out whatever the data says, hundreds of scenarios still render, and a report that does not fit
 * on the disk leaves the folder as it was. A read-only --out is refused before measuring. The
 * full-disk and read-only cases mount a small tmpfs (root only; skipped with the reason otherwise).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../harness/cli-helpers.js';
import { pngSize } from '../../reports/render.js';
import { chartFileName, pathInside } from '../../reports/file-names.js';
import type { Report } from '../../reports/schema.js';

const root = mkdtempSync(join(tmpdir(), 'tb-report-files-'));
const mounts: string[] = [];
let report: Report;
after(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(root, { recursive: true, force: true });
});

before(() => {
  const result = runCli(['run', 'ycsb-c', '--quick', '--rounds', '1', '--impl', 'map', '--out', join(root, 'source')], { timeoutMs: 120_000 });
  assert.equal(result.status, 0, result.stderr);
  report = JSON.parse(readFileSync(join(root, 'source', 'report.json'), 'utf8')) as Report;
});

function saveReport(name: string, edit: (r: Report) => void): string {
  const copy = structuredClone(report);
  edit(copy);
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify(copy));
  return path;
}

/** Every file under `dir`, recursively. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

function mountTmpfs(options: string): string | null {
  if (process.getuid?.() !== 0) return null;
  const at = mkdtempSync(join(root, 'mnt-'));
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', at], { encoding: 'utf8' });
  if (result.status !== 0) return null;
  mounts.push(at);
  return at;
}

describe('file names from report data', () => {
  it('are plain names; a name that had to change gets a hash of the original', () => {
    assert.equal(chartFileName('latency', 'ycsb-a'), 'latency-ycsb-a.png');
    const hostile = chartFileName('latency', '../../../tmp/x');
    assert.match(hostile, /^latency-tmp-x-[0-9a-f]{8}\.png$/);
    assert.notEqual(chartFileName('paired', 'a/b'), chartFileName('paired', 'a-b'));
    assert.ok(chartFileName('growth', 'x'.repeat(300)).length <= 100);
    assert.throws(() => pathInside(root, '../escape.png'), /not a plain file name/);
    assert.throws(() => pathInside(root, '.hidden'), /not a plain file name/);
  });

  it('tunebench report on a report whose names climb out of --out writes only inside --out', () => {
    const path = saveReport('hostile', (r) => {
      r.results[0].scenario = '../../../tmp/tb-escape';
      r.results[0].implementation = '../../impl/..';
    });
    const outer = join(root, 'outer');
    const out = join(outer, 'a', 'b', 'out');
    mkdirSync(out, { recursive: true });
    const before = new Set(allFiles(root));
    const result = runCli(['report', path, '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    const added = allFiles(root).filter((f) => !before.has(f));
    assert.ok(added.length >= 3, added.join(', '));
    for (const file of added) assert.ok(file.startsWith(`${out}/`), `${file} is outside ${out}`);
    assert.ok(!existsSync('/tmp/tb-escape.png'));
  });

  it('a report of 60 scenarios renders, its charts no wider than 8000 pixels', () => {
    const path = saveReport('many', (r) => {
      const one = r.results[0];
      r.results = Array.from({ length: 60 }, (_, i) => ({ ...one, scenario: `scenario-${i}` }));
    });
    const out = join(root, 'many-out');
    const result = runCli(['report', path, '--out', out], { timeoutMs: 120_000 });
    assert.equal(result.status, 0, result.stderr);
    const { width } = pngSize(readFileSync(join(out, 'throughput.png')));
    assert.equal(width, 8000);
    assert.ok(existsSync(join(out, 'summary.md')));
  });
});

describe('a report is written whole or not at all', () => {
  it('on a full disk: exit 2, one line, and the folder keeps the report it had', (t) => {
    const disk = mountTmpfs('size=1m');
    if (!disk) return t.skip('needs root and a tmpfs mount');
    const out = join(disk, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'report.json'), 'the previous report\n');
    // Fill the disk: every byte of it.
    const fd = openSync(join(disk, 'filler'), 'w');
    const chunk = Buffer.alloc(16 * 1024, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch {
      /* full */
    } finally {
      closeSync(fd);
    }
    // The probe file fits in no block either: refused before re-rendering.
    const result = runCli(['report', join(root, 'source', 'report.json'), '--out', out]);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /no space left on the device/);
    assert.deepEqual(readdirSync(out), ['report.json']);
    assert.equal(readFileSync(join(out, 'report.json'), 'utf8'), 'the previous report\n');
    // Room for the probe, not for the charts: the render fails at the write, leaving nothing.
    rmSync(join(disk, 'filler'));
    writeFileSync(join(disk, 'filler'), Buffer.alloc(1024 * 1024 - 64 * 1024, 1));
    const second = runCli(['report', join(root, 'source', 'report.json'), '--out', out]);
    assert.equal(second.status, 2, second.stderr);
    assert.match(second.stderr, /^tunebench: cannot write the report in .*: no space left on the device; nothing was written there\n$/);
    assert.deepEqual(readdirSync(out), ['report.json']);
    assert.equal(readFileSync(join(out, 'report.json'), 'utf8'), 'the previous report\n');
  });

  it('a read-only --out is refused before measuring', (t) => {
    const disk = mountTmpfs('ro,size=1m');
    if (!disk) return t.skip('needs root and a tmpfs mount');
    const result = runCli(['run', 'ycsb-c', '--quick', '--impl', 'map', '--out', join(disk, 'out')]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^tunebench: --out .*: cannot create .*\(read-only file system\)\n$/);
    const existing = runCli(['run', 'ycsb-c', '--quick', '--impl', 'map', '--out', disk]);
    assert.match(existing.stderr, /^tunebench: --out .*: cannot write there \(read-only file system\)\n$/);
  });
});
