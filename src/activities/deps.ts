import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Retention } from '../config';
import type { Tuning } from '../tuning';
import type { CarsApi } from './cars-api';
import type { Metrics } from './metrics';
import type { RateLimiter } from './rate-limiter';

/** What every activity needs from the outside world, built once by the worker (or a test). */
export interface ActivityDeps {
  pool: Pool;
  api: CarsApi;
  limiter: RateLimiter;
  metrics: Metrics;
  /** The worker's Temporal client: planning asks it whether a run the ledger says is running is really still open. */
  temporal: Client;
  /** The worker's tuning defaults; a run's input may override each. */
  defaults: Tuning;
  /** How long each run's close keeps `car_changes` and `car_rejects` rows. */
  retention: Retention;
}
