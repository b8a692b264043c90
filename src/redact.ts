/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Credentials by shape: an Authorization scheme's token, and the value after a name like `api_key`,
 * `token`, `secret` or `password`. The name and any quotes are kept, so the text still reads.
 */
const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]+/gi,
  /\b((?:x-)?api[_-]?key|access[_-]?token|auth[_-]?token|token|secret|password|authorization)("?\s*[:=]\s*"?)(?!Bearer\b|Basic\b|Token\b)[^\s"',;&}]+/gi,
];

/**
 * Text from the upstream with every form of each known secret, and anything shaped like a credential,
 * replaced by `[redacted]`: error bodies may repeat the request's headers.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret === '') continue;
    // As sent, URL-encoded and JSON-escaped (some servers escape `/` too): how a body quoting the request carries it.
    const escaped = JSON.stringify(secret).slice(1, -1);
    for (const form of new Set([secret, encodeURIComponent(secret), escaped, escaped.replaceAll('/', '\\/')])) {
      out = out.split(form).join(REDACTED);
    }
  }
  for (const shape of CREDENTIAL_SHAPES) out = out.replace(shape, (_match, name: string, gap: string) => `${name}${gap}${REDACTED}`);
  return out;
}
