// The jobs front door: the runner and the retention sweeper.
export { Runner, assetKey, type RunnerHooks } from './runner.js';
export { Sweeper } from './sweeper.js';
