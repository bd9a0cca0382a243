// The store's front door: the Store interface and a factory for the configured implementation.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from './sqlite/store.js';
import { PgStore } from './postgres/store.js';
import type { Store } from './types.js';

export * from './types.js';
export * from './webhook-types.js';

export interface StoreSettings {
  dataDir: string;
  /** postgres:// or postgresql://: the shared PostgreSQL store; otherwise the embedded one in dataDir. */
  databaseUrl?: string | null;
  /** Connections in the PostgreSQL pool. */
  databasePoolSize?: number;
}

export const isPostgresUrl = (url: string | null | undefined): url is string => !!url && /^postgres(ql)?:\/\//i.test(url);

/**
 * Opens the configured store: PostgreSQL (migrated, and listening for other processes' changes)
 * when databaseUrl says so, else the embedded SQLite store in the data dir. A string is a data dir.
 */
export async function openStore(settings: StoreSettings | string): Promise<Store> {
  const s = typeof settings === 'string' ? { dataDir: settings } : settings;
  if (isPostgresUrl(s.databaseUrl)) return PgStore.open({ connectionString: s.databaseUrl, poolSize: s.databasePoolSize });
  mkdirSync(s.dataDir, { recursive: true });
  return new SqliteStore(join(s.dataDir, 'reelay.db'));
}
