import { ERROR_CLASSES, NON_RETRYABLE_ERROR_TYPES, UpstreamRateLimitedError, UpstreamUnavailableError } from '../../../src/errors';

describe('error classes', () => {
  it('keep their wire names: a failure type is its class name', () => {
    expect(ERROR_CLASSES.map((c) => new (c as typeof UpstreamUnavailableError)('m').type)).toEqual([
      'UpstreamConfigError',
      'UpstreamAuthError',
      'UpstreamRateLimitedError',
      'UpstreamServerError',
      'UpstreamNetworkError',
      'UpstreamProtocolError',
      'UpstreamUnavailableError',
      'DatabaseError',
      'InvalidRunInputError',
      'SyncAlreadyRunningError',
      'RunPausedError',
    ]);
  });

  it('list as non-retryable exactly the classes no retry can fix', () => {
    expect(NON_RETRYABLE_ERROR_TYPES).toEqual([
      'UpstreamConfigError',
      'UpstreamAuthError',
      'UpstreamUnavailableError',
      'InvalidRunInputError',
      'SyncAlreadyRunningError',
      'RunPausedError',
    ]);
  });

  it('carry a 429 wait as the next retry delay', () => {
    expect(new UpstreamRateLimitedError('slow down', 2_000).nextRetryDelay).toBe(2_000);
  });
});
