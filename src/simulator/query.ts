import type { CarsQuery } from './dataset';
import { parseRfc3339 } from './record';

export const DEFAULT_PER_PAGE = 100;
export const MAX_PER_PAGE = 1000;

/** Why a listing request was refused: the parameter at fault and a sentence for a human. */
export interface QueryError {
  parameter: string;
  message: string;
}

const KNOWN = ['page', 'per_page', 'after_id', 'max_id', 'updated_since', 'make'] as const;
const UNSIGNED = /^\d+$/;

function integer(parameter: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number | QueryError {
  const value = UNSIGNED.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in ${min}..${max}`;
    return { parameter, message: `${parameter} must be ${range}, got ${JSON.stringify(text)}` };
  }
  return value;
}

function isError(value: unknown): value is QueryError {
  return typeof value === 'object' && value !== null && 'parameter' in value;
}

/** Validates the query string of `GET /v1/cars` (upstream-api.md); unknown parameters are ignored. */
export function parseCarsQuery(params: URLSearchParams): CarsQuery | QueryError {
  const raw: Partial<Record<(typeof KNOWN)[number], string>> = {};
  for (const name of KNOWN) {
    const values = params.getAll(name);
    if (values.length > 1) return { parameter: name, message: `${name} is given more than once` };
    if (values.length === 1) raw[name] = values[0];
  }
  if (raw.page !== undefined && raw.after_id !== undefined) {
    return { parameter: 'after_id', message: 'use either page or after_id, not both' };
  }
  const page = raw.page === undefined ? 1 : integer('page', raw.page, 1);
  if (isError(page)) return page;
  const perPage = raw.per_page === undefined ? DEFAULT_PER_PAGE : integer('per_page', raw.per_page, 1, MAX_PER_PAGE);
  if (isError(perPage)) return perPage;
  const afterId = raw.after_id === undefined ? null : integer('after_id', raw.after_id, 0);
  if (isError(afterId)) return afterId;
  const maxId = raw.max_id === undefined ? null : integer('max_id', raw.max_id, 0);
  if (isError(maxId)) return maxId;
  let updatedSince: number | null = null;
  if (raw.updated_since !== undefined) {
    updatedSince = parseRfc3339(raw.updated_since);
    if (updatedSince === null) {
      return {
        parameter: 'updated_since',
        message: `updated_since must be an RFC 3339 date-time such as 2025-01-31T09:00:00Z, got ${JSON.stringify(raw.updated_since)}`,
      };
    }
  }
  let makes: string[] | null = null;
  if (raw.make !== undefined) {
    makes = raw.make.split(',').map((m) => m.trim());
    if (makes.some((m) => m === '')) {
      return { parameter: 'make', message: `make must be a comma-separated list of make names, got ${JSON.stringify(raw.make)}` };
    }
  }
  return { page, perPage, afterId, maxId, updatedSince, makes };
}
