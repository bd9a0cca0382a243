// The store's front door: the Store interface and a factory for the configured implementation.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './types.js';

export * from './types.js';
export * from './webhook-types.js';

export function openStore(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  return new SqliteStore(join(dataDir, 'reelay.db'));
}
