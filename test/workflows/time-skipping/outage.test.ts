import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { withRetryDelay } from '../../../src/backoff';
import { UpstreamServerError } from '../../../src/errors';
import { rootCause } from '../../../src/workflows/failures';
import { progressQuery } from '../../../src/workflows/messages';
import { MockedSync, timeSkippingEnvironment, withWorker, type PageCall } from '../../helpers/mocked-sync';

const CARS = 2_000;
const OUTAGE_MS = 20 * 60_000;

/** Answers 503 to every call scheduled (on the server's clock) before `untilMs`, as the real activity fails then. */
const outage = (untilMs: number) => (call: PageCall) =>
  call.startedMs < untilMs ? (withRetryDelay(new UpstreamServerError('upstream answered 503: {"error":"unavailable"}'), call.attempt) as Error) : undefined;

describe('an upstream that answers only 503 (time-skipping)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnvironment();
  });
  afterAll(() => env?.teardown());

  it('is waited out with growing backoff, shown in progress, and the run ends exact', async () => {
    const sync = new MockedSync(CARS);
    const outageEnd = (await env.currentTimeMs()) + OUTAGE_MS;
    sync.trouble = outage(outageEnd);
    await withWorker(env, sync, async (start) => {
      const handle = await start();
      await env.sleep('2 minutes');
      const progress = await handle.query(progressQuery);
      expect(progress.state).toBe('backing-off');
      expect(progress.lastError).toContain('503');

      const summary = await handle.result();
      expect(summary).toMatchObject({ status: 'completed', carsSeen: CARS });
    });

    // Each range's first attempts after its waits: the waits double (15 s up to 5 min), far apart from the quick retries.
    const during = sync.calls.filter((c) => c.startedMs < outageEnd);
    const firstRange = during.filter((c) => c.range === during[0].range && c.attempt === 1).map((c) => c.startedMs);
    const gaps = firstRange.slice(1).map((t, i) => t - firstRange[i]);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(4 * Math.min(...gaps));
    // Backing off, not hammering: a few dozen attempts per range over twenty minutes.
    expect(during.length / new Set(during.map((c) => c.range)).size).toBeLessThan(60);
    expect(sync.finished.map((f) => f.status)).toEqual(['completed']);
  });

  it('fails the run as UpstreamUnavailableError once giveUpAfterSeconds of waiting have passed', async () => {
    const sync = new MockedSync(CARS, { giveUpAfterSeconds: 600 });
    sync.trouble = outage(Infinity);
    const startedMs = await env.currentTimeMs();
    const failure = await withWorker(env, sync, async (start) => (await start()).result().catch((err: unknown) => err));

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const root = rootCause(failure) as Error & { type?: string };
    expect(root.type).toBe('UpstreamUnavailableError');
    expect(root.message).toMatch(/^upstream still failing after \d+ s of backing off \(giveUpAfterSeconds=600\): upstream answered 503/);
    const waited = Number(/after (\d+) s/.exec(root.message)![1]);
    expect(waited).toBeLessThanOrEqual(600);
    // The server's clock moved on by the waits, not the test's.
    expect((await env.currentTimeMs()) - startedMs).toBeGreaterThan(waited * 1000);
    expect(sync.finished.map((f) => f.status)).toEqual(['failed']);
  });
});
