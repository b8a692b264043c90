import { hash } from 'node:crypto';

const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const QUOTE = 0x22;
/** A sha1 in base64url. */
const HASH_CHARS = 27;
/** A buffer of this size holds a page of 1,000 plain cars: most pages never grow one. */
const INITIAL_BYTES = 1024 * 1024;
/** Free buffers kept for the next page: more than a worker's pages in flight (see worker-settings.ts). */
const MAX_FREE = 32;
/** A buffer grown past this (a page of very large records) is not kept: the pool would hold it for good. */
const MAX_KEPT_BYTES = 8 * 1024 * 1024;

const free: Buffer[] = [];

/**
 * A buffer from the pool. Pages' rows live off the V8 heap in buffers reused page after page: a page
 * lives across several young-generation collections between its answer and its write, so whatever it
 * keeps on the heap is promoted, and a buffer of its own would be freed only by a full collection.
 */
function take(bytes: number): Buffer {
  const buffer = free.pop();
  if (buffer !== undefined && buffer.length >= bytes) return buffer;
  if (buffer !== undefined) free.push(buffer);
  return Buffer.allocUnsafeSlow(Math.max(bytes, INITIAL_BYTES));
}

function give(buffer: Buffer): void {
  if (free.length < MAX_FREE && buffer.length <= MAX_KEPT_BYTES) free.push(buffer);
}

/** A PostgreSQL array literal of integers or base64url hashes, neither of which needs quoting. */
export function arrayLiteral(items: readonly (number | string)[]): string {
  return `{${items.join(',')}}`;
}

/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const maxBytes = (text: string) => text.length * 3;

/** Bytes written one after another into a pooled buffer that grows as needed. */
class Bytes {
  private buffer: Buffer | null;
  length = 0;

  constructor(bytes = INITIAL_BYTES) {
    this.buffer = take(bytes);
  }

  /** The buffer, with room for `bytes` more. */
  room(bytes: number): Buffer {
    const buffer = this.used();
    if (this.length + bytes <= buffer.length) return buffer;
    const grown = take(Math.max(this.length + bytes, 2 * buffer.length));
    buffer.copy(grown, 0, 0, this.length);
    give(buffer);
    this.buffer = grown;
    return grown;
  }

  write(text: string): void {
    this.length += this.room(maxBytes(text)).write(text, this.length);
  }

  append(bytes: Buffer): void {
    this.length += bytes.copy(this.room(bytes.length), this.length);
  }

  byte(value: number): void {
    this.room(1)[this.length++] = value;
  }

  used(): Buffer {
    if (this.buffer === null) throw new Error('page rows read after their buffer went back to the pool');
    return this.buffer;
  }

  release(): void {
    if (this.buffer !== null) give(this.buffer);
    this.buffer = null;
  }
}

/**
 * A page's upsert rows as UTF-8 JSON, one after another in a pooled buffer (see take): row i is
 * `[id,<its mirrored JSON's fields>,"hash"]`, or empty for a record the writer stores by another way.
 * Release it once the page is written or dropped; a row read after that fails.
 */
export class PageRows {
  private readonly bytes = new Bytes();
  /** Where each row ends: row i is bytes ends[i - 1] (0 for the first) to ends[i]. */
  private readonly ends: number[] = [];

  /**
   * Appends a plain car's row and returns its hash: the sha1 of its mirrored JSON's UTF-8, which is
   * what hashOfMirrored gives for that JSON. The JSON is written once, between its id and hash, and its
   * brackets become the commas between them.
   */
  addMirrored(id: number, json: string): string {
    const { bytes } = this;
    const digits = String(id);
    // The id's digits and the hash are ASCII, written a byte at a time: a call into Buffer's encoders costs more.
    const buffer = bytes.room(digits.length + maxBytes(json) + HASH_CHARS + 4);
    let at = bytes.length;
    buffer[at++] = OPEN;
    for (let i = 0; i < digits.length; i++) buffer[at++] = digits.charCodeAt(i);
    const start = at;
    at += buffer.write(json, at);
    const digest = hash('sha1', buffer.subarray(start, at), 'base64url');
    buffer[start] = COMMA;
    buffer[at - 1] = COMMA;
    buffer[at++] = QUOTE;
    for (let i = 0; i < digest.length; i++) buffer[at++] = digest.charCodeAt(i);
    buffer[at++] = QUOTE;
    buffer[at++] = CLOSE;
    bytes.length = at;
    this.ends.push(at);
    return digest;
  }

  /** Appends an empty row, for a record kept as it is. */
  addNone(): void {
    this.ends.push(this.bytes.length);
  }

  /** Row i's hash (see addMirrored); a plain car's row ends with it, as `,"<hash>"]`. */
  hash(i: number): string {
    const end = this.ends[i];
    return this.bytes.used().toString('latin1', end - HASH_CHARS - 2, end - 2);
  }

  /** Whether row i's hash is `text`, compared in place. */
  hashIs(i: number, text: string): boolean {
    if (text.length !== HASH_CHARS) return false;
    const buffer = this.bytes.used();
    const at = this.ends[i] - HASH_CHARS - 2;
    for (let k = 0; k < HASH_CHARS; k++) if (buffer[at + k] !== text.charCodeAt(k)) return false;
    return true;
  }

  /** Row i's bytes; empty for a record kept as it is. */
  row(i: number): Buffer {
    return this.bytes.used().subarray(i === 0 ? 0 : this.ends[i - 1], this.ends[i]);
  }

  release(): void {
    this.bytes.release();
  }
}

/**
 * A JSON array of rows, built in a pooled buffer, to be sent as one parameter: a Buffer goes to
 * PostgreSQL in binary format, which for text is its UTF-8, so it is neither copied into a string nor
 * encoded again.
 */
export class RowArray {
  private readonly bytes = new Bytes();
  count = 0;

  add(row: Buffer | string): void {
    this.bytes.byte(this.count === 0 ? OPEN : COMMA);
    if (typeof row === 'string') this.bytes.write(row);
    else this.bytes.append(row);
    this.count++;
  }

  /** Closes the array and returns it, valid until the next clear; clear before adding again. */
  json(): Buffer {
    if (this.count === 0) this.bytes.byte(OPEN);
    this.bytes.byte(CLOSE);
    return this.bytes.used().subarray(0, this.bytes.length);
  }

  clear(): void {
    this.bytes.length = 0;
    this.count = 0;
  }

  release(): void {
    this.bytes.release();
  }
}
