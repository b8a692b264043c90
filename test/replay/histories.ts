import fs from 'node:fs';
import path from 'node:path';
import type { History } from '@temporalio/common/lib/proto-utils';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

// @temporalio/common's historyFromJSON checks the type against its own copy of protobufjs, and npm
// installs @temporalio/proto another, so it refuses every history: parse with proto's copy instead.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fromJson } = require(require.resolve('protobufjs/ext/protojson', { paths: [require.resolve('@temporalio/proto')] }));
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** A history as the Web UI and `temporal workflow show --output json` export it. */
export function historyFromJson(json: unknown): History {
  return fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

/** Recorded histories: `<scenario>/parent.json` and `<scenario>/range-<i>-of-<n>[.run-<k>].json`. */
export const HISTORIES_DIR = path.resolve(__dirname, '..', 'fixtures', 'histories');

/** The parent's workflow id when it was recorded; children's ids derive from it, and replay checks them. */
export const parentWorkflowId = (scenario: string): string => `replay-${scenario}`;

/** A child's later runs (after continue-as-new) keep the workflow id of its first. */
export function workflowIdOf(scenario: string, file: string): string {
  const name = path.basename(file, '.json').replace(/\.run-\d+$/, '');
  return name === 'parent' ? parentWorkflowId(scenario) : `${parentWorkflowId(scenario)}/${name}`;
}

export interface RecordedHistory {
  workflowId: string;
  history: History;
  scenario: string;
  file: string;
}

/** Every recorded history, by scenario, as `Worker.runReplayHistories` takes them. */
export function recordedHistories(dir = HISTORIES_DIR): RecordedHistory[] {
  return fs
    .readdirSync(dir)
    .sort()
    .flatMap((scenario) =>
      fs
        .readdirSync(path.join(dir, scenario))
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => ({
          scenario,
          file,
          workflowId: workflowIdOf(scenario, file),
          history: historyFromJson(JSON.parse(fs.readFileSync(path.join(dir, scenario, file), 'utf8'))),
        })),
    );
}
