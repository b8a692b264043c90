import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startHarness, type Harness } from '../helpers/sync-harness';

/** Input as `temporal workflow start --input ...` sends it: any JSON at all. */
const refused: [string, unknown, string][] = [
  ['null', null, 'SyncCarsWorkflow takes one JSON object'],
  ['a string', 'full', 'SyncCarsWorkflow takes one JSON object'],
  ['an array', [{ mode: 'full' }], 'SyncCarsWorkflow takes one JSON object'],
  ['true for a share', { maxRemovalShare: true }, 'maxRemovalShare must be a number from 0 to 1, not true'],
  ['null for a rate', { requestsPerSecond: null }, 'requestsPerSecond must be 0 (no budget of its own) or a number from 1 to 10000, not null'],
  ['a rate below the minimum', { requestsPerSecond: 0.01 }, 'requestsPerSecond must be 0 (no budget of its own) or a number from 1 to 10000, not 0.01'],
  ['an empty string for a size', { pageSize: '' }, 'pageSize must be a whole number from 1 to 1000, not ""'],
  ['a numeric string', { concurrency: '4' }, 'concurrency must be a whole number from 1 to 256, not "4"'],
  ['an array for a number', { batchSize: [1] }, 'batchSize must be a whole number from 1 to 10000, not [1]'],
  ['a comma list for makes', { priorityMakes: 'Audi,BMW' }, 'priorityMakes: Invalid input: expected array, received string'],
  ['an unknown field', { pageSize: 100, turbo: true }, 'Unrecognized key: "turbo"'],
];

describe('workflow input is taken literally', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ simulator: { seed: 131, size: 500 } });
  });
  afterAll(() => h?.close());

  it.each(refused)(
    'refuses %s with InvalidRunInputError naming the field, without a failing workflow task or an upstream request',
    async (_, input, message) => {
      const handle = await h.client.workflow.start('SyncCarsWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: `input-${Math.random().toString(36).slice(2)}`,
        args: [input],
      });
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe('InvalidRunInputError');
      expect((cause as ApplicationFailure).message).toContain(message);
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((event) => event.workflowTaskFailedEventAttributes)).toEqual([]);
      expect(h.sim.stats.requests).toBe(0);
    },
  );

  it('runs with no input at all, as a full sync with the defaults', async () => {
    const handle = await h.client.workflow.start('SyncCarsWorkflow', {
      taskQueue: h.taskQueue,
      workflowId: `input-none-${Math.random().toString(36).slice(2)}`,
    });
    expect(await handle.result()).toMatchObject({ status: 'completed', mode: 'full', inserted: h.sim.dataset.validCars().length });
  });
});
