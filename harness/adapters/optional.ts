/**
 * Peers that need an optional dependency (a native module that may be missing or fail to load on
 * some machine): the module, or the one line that says why it is not there.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export type Optional<T> = { module: T; unavailable?: undefined } | { module?: undefined; unavailable: string };

/** `require(name)` (both peers are CommonJS), or why it cannot be loaded here. */
export function optionalModule<T>(name: string): Optional<T> {
  try {
    return { module: require(name) as T };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    return { unavailable: missing ? `${name} (an optional dependency) is not installed: npm install ${name}` : `${name} does not load here: ${(error as Error).message.split('\n')[0]}` };
  }
}
