import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { withRetryDelay } from '../../../src/backoff';
import { UpstreamRateLimitedError } from '../../../src/errors';
import { MockedSync, timeSkippingEnvironment, withWorker } from '../../helpers/mocked-sync';

/** The longest Retry-After carsync waits (MAX_RETRY_AFTER_SECONDS): what a far larger one is capped to. */
const RETRY_AFTER_MS = 300_000;

describe('a Retry-After wait (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnvironment();
  });
  afterAll(() => env?.teardown());

  it('is waited out in full, plus at most a fifth of jitter, before the page is asked again', async () => {
    const sync = new MockedSync(1_000, { concurrency: 1 });
    let limited = false;
    sync.trouble = (call) => {
      if (limited || call.input.range.afterId === 0) return undefined;
      limited = true;
      return withRetryDelay(new UpstreamRateLimitedError('upstream rate limit hit (429)', RETRY_AFTER_MS), call.attempt) as Error;
    };
    const summary = await withWorker(env, sync, async (start) => (await start()).result());
    expect(summary).toMatchObject({ status: 'completed', carsSeen: 1_000 });

    const refused = sync.calls.findIndex((c) => c.outcome === 'failed');
    const [first, retry] = sync.calls.slice(refused, refused + 2);
    expect(retry).toMatchObject({ range: first.range, attempt: 2, outcome: 'page' });
    expect(retry.input.range).toEqual(first.input.range);
    const waitedMs = retry.startedMs - first.startedMs;
    expect(waitedMs).toBeGreaterThanOrEqual(RETRY_AFTER_MS);
    expect(waitedMs).toBeLessThanOrEqual(RETRY_AFTER_MS * 1.2 + 1_000);
  });
});
