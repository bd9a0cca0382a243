// For the commands that work on the local data dir (keys, projects): its store, opened for one action.
import { loadConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

export function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(loadConfig().dataDir);
  return fn(store).finally(() => store.close());
}
