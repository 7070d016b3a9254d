/** The machine a report was measured on. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import os from 'node:os';
import { packageInfo } from './package-info.js';
import type { Environment } from '../reports/schema.js';

function gitCommit(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * What makes two machines comparable: CPU model, cores, memory (rounded to GiB), OS and Node
 * major. A short hash of those, readable enough to be a folder name.
 */
export function fingerprintOf(env: Pick<Environment, 'cpuModel' | 'cores' | 'memoryBytes' | 'os' | 'node'>): string {
  const major = env.node.replace(/^v/, '').split('.')[0];
  const identity = [env.cpuModel.trim(), env.cores, Math.round(env.memoryBytes / 2 ** 30), env.os.platform, env.os.arch, `node${major}`].join('|');
  const slug = `${env.os.platform}-${env.os.arch}-${env.cores}c-${Math.round(env.memoryBytes / 2 ** 30)}g-node${major}`;
  return `${slug}-${createHash('sha256').update(identity).digest('hex').slice(0, 10)}`;
}

export function currentEnvironment(): Environment {
  const cpus = os.cpus();
  const partial = {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    os: { platform: os.platform(), release: os.release(), arch: os.arch() },
    node: process.version,
  };
  return {
    ...partial,
    packageVersion: packageInfo.version,
    gitCommit: gitCommit(packageInfo.root),
    fingerprint: fingerprintOf(partial),
  };
}
