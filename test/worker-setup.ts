/**
 * Runs before each test file: points `CARSYNC_TEST_TEMPORAL_ADDRESS` at this Jest worker's own Temporal
 * dev server (test/global-setup.ts starts one per worker; Jest numbers its workers from 1).
 */
const addresses = process.env.CARSYNC_TEST_TEMPORAL_ADDRESSES?.split(',');
if (addresses) process.env.CARSYNC_TEST_TEMPORAL_ADDRESS = addresses[(Number(process.env.JEST_WORKER_ID ?? '1') - 1) % addresses.length];

export {};
