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
  return redactor(secrets)(text);
}

/** redact for these secrets, with each secret's forms worked out once: a page's rejects redact every string of their payloads. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  // As sent, URL-encoded and JSON-escaped (some servers escape `/` too): how a body quoting the request carries it.
  const forms = [
    ...new Set(
      secrets
        .filter((secret) => secret !== '')
        .flatMap((secret) => {
          const escaped = JSON.stringify(secret).slice(1, -1);
          return [secret, encodeURIComponent(secret), escaped, escaped.replaceAll('/', '\\/')];
        }),
    ),
  ];
  return (text) => {
    let out = text;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    for (const shape of CREDENTIAL_SHAPES) out = out.replace(shape, (_match, name: string, gap: string) => `${name}${gap}${REDACTED}`);
    return out;
  };
}
