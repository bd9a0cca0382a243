// For the commands that work on the configured store (keys, projects, webhooks): opened for one action.
import { loadConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

export async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig());
  return fn(store).finally(() => store.close());
}
