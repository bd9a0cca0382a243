// Failure simulation for app developers: a directive in the prompt asks the local engine for a
// deterministic outcome, so apps can test their error paths against reelay.
//   [reelay:moderation]  fails with moderation_blocked
//   [reelay:error]       fails with engine_error
//   [reelay:slow=SECONDS] waits that long (cancellable) before rendering
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineError } from '../engine.js';

export async function simulatedOutcome(prompt: string, signal: AbortSignal): Promise<void> {
  if (/\[reelay:moderation\]/i.test(prompt)) {
    throw new EngineError('moderation_blocked', 'Your request was blocked by our moderation system.');
  }
  if (/\[reelay:error\]/i.test(prompt)) {
    throw new EngineError('engine_error', 'The local engine was asked to fail by the prompt directive [reelay:error].');
  }
  const slow = /\[reelay:slow=(\d+(?:\.\d+)?)\]/i.exec(prompt);
  if (slow) {
    await sleep(Math.min(Number(slow[1]), 600) * 1000, undefined, { signal }).catch(() => {
      throw new EngineError('cancelled', 'The job was cancelled.');
    });
  }
}
