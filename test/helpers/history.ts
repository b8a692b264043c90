/** True when `text` occurs in any string or byte array (payload data is bytes) anywhere in `value`. */
export function containsText(value: unknown, text: string): boolean {
  if (typeof value === 'string') return value.includes(text);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).includes(text);
  if (value && typeof value === 'object') return Object.values(value).some((v) => containsText(v, text));
  return false;
}
