import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, loadTemporalConfig, loadWorkerConfig, temporalConnectionOptions } from '../../src/config';

const worker = { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', CARS_API_URL: 'http://127.0.0.1:1', CARS_API_KEY: 'k' };
const CLOUD = 'carsync.a1b2c.tmprl.cloud:7233';

describe('connecting to Temporal Cloud (or any cluster that asks for credentials)', () => {
  it('connects in plain text when no credential is set', () => {
    expect(temporalConnectionOptions(loadTemporalConfig({}))).toEqual({ address: 'localhost:7233' });
  });

  it('connects over TLS with TEMPORAL_API_KEY, for the worker and the client alike', () => {
    const env = { TEMPORAL_ADDRESS: CLOUD, TEMPORAL_NAMESPACE: 'carsync.a1b2c', TEMPORAL_API_KEY: 'cloud-key' };
    const expected = { address: CLOUD, tls: true, apiKey: 'cloud-key' };
    expect(temporalConnectionOptions(loadTemporalConfig(env))).toEqual(expected);
    expect(temporalConnectionOptions(loadWorkerConfig({ ...worker, ...env }).temporal)).toEqual(expected);
  });

  it('connects over mutual TLS with TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (PEM files)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'carsync-mtls-'));
    try {
      writeFileSync(join(dir, 'client.pem'), 'CERT');
      writeFileSync(join(dir, 'client.key'), 'KEY');
      const config = loadTemporalConfig({ TEMPORAL_ADDRESS: CLOUD, TEMPORAL_TLS_CERT: join(dir, 'client.pem'), TEMPORAL_TLS_KEY: join(dir, 'client.key') });
      expect(temporalConnectionOptions(config)).toEqual({ address: CLOUD, tls: { clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') } } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses half a certificate pair, or both kinds of credential, naming the variables', () => {
    expect(() => loadTemporalConfig({ TEMPORAL_TLS_CERT: '/x/client.pem' })).toThrow(/TEMPORAL_TLS_KEY is required/);
    expect(() => loadWorkerConfig({ ...worker, TEMPORAL_TLS_KEY: '/x/client.key' })).toThrow(/TEMPORAL_TLS_CERT is required/);
    expect(() => loadTemporalConfig({ TEMPORAL_API_KEY: 'k', TEMPORAL_TLS_CERT: '/a', TEMPORAL_TLS_KEY: '/b' })).toThrow(ConfigurationError);
    expect(() => temporalConnectionOptions(loadTemporalConfig({ TEMPORAL_TLS_CERT: '/nonexistent/c.pem', TEMPORAL_TLS_KEY: '/nonexistent/c.key' }))).toThrow(
      /TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY/,
    );
  });
});
