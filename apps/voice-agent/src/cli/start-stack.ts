import { createStack, type Stack, type StackOptions } from '../stack.js';
import { CliError } from './cli-error.js';
import { checkRedis, checkS3 } from './store-checks.js';

/** Builds the stack and checks both stores at once; on any failure the stack is closed again. */
export async function startCheckedStack(options: StackOptions & { fakeReplyMs?: number }): Promise<Stack> {
  let stack: Stack;
  try {
    stack = await createStack(options);
  } catch (error) {
    throw new CliError('startup', `could not start: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  try {
    await Promise.all([
      options.redisUrl ? checkRedis(stack.sessionService, options.redisUrl) : undefined,
      checkS3(options.s3),
    ]);
    return stack;
  } catch (error) {
    // Best effort, bounded: the one line about the store matters more than a clean close.
    await Promise.race([stack.close().catch(() => {}), new Promise((r) => setTimeout(r, 500))]);
    throw error;
  }
}
