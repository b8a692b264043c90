import { findOrInstallTemporalCli } from './temporal';

/** `npm run dev:temporal`: makes sure the Temporal CLI is installed and prints its path on stdout. */
findOrInstallTemporalCli().then(
  (cliPath) => process.stdout.write(`${cliPath}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
