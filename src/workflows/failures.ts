/** The innermost cause of a failure chain (child → activity → application failure): what went wrong. */
export function rootCause(err: unknown): unknown {
  let root = err;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  return root;
}
