import type { RunPlan, TuningChange } from '../sync-types';
import { tuningProblem } from '../tuning';

/** The `setTuning` update's validator: refuses a change before the run has a plan, and any change that is not plain numbers for the two fields. */
export function validateTuningChange(currentPlan: () => RunPlan | undefined) {
  return (change: TuningChange) => {
    if (!currentPlan()) throw new Error('the run is still planning; try again in a moment');
    if (typeof change !== 'object' || change === null) throw new Error('setTuning takes an object: {"requestsPerSecond"?: number, "concurrency"?: number}');
    const unknown = Object.keys(change).filter((key) => key !== 'requestsPerSecond' && key !== 'concurrency');
    if (unknown.length) throw new Error(`setTuning cannot change ${unknown.join(', ')}; only requestsPerSecond and concurrency`);
    // Taken literally: `null`, `true` or `"4"` is refused, not read as a number.
    for (const field of ['concurrency', 'requestsPerSecond'] as const) {
      const problem = field in change ? tuningProblem(field, change[field]) : null;
      if (problem) throw new Error(problem);
    }
  };
}
