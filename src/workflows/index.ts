export { SyncCarsWorkflow } from './sync-cars';
export { SyncRangeWorkflow } from './sync-range';
