/**
 * The longest `make=` value, URL-encoded, that planning puts in a request. With the other parameters
 * (under 200 characters) a query stays under 2,000 characters, which servers and proxies accept
 * everywhere (most allow 8 KB; some gateways and old proxies stop near 2 KB).
 */
export const MAX_MAKE_PARAM_CHARS = 1_800;

export interface MakeFilter {
  /** The makes the filter names, in the order given. */
  makes: string[];
  /** Makes it cannot name: the API would split them, trim them or refuse the URL, or carsync stored them cleaned. */
  leftOut: string[];
}

/**
 * The makes of `wanted` that a comma-separated `make=` list can name exactly: not empty, no comma,
 * no white space at either end (a server may trim it), no U+FFFD (a stored make cleaned of text the
 * upstream sent otherwise, which no filter would match), and within MAX_MAKE_PARAM_CHARS in all, the
 * first given first. The cars of the makes left out are cars no filter selects.
 */
export function makeFilter(wanted: readonly string[]): MakeFilter {
  const makes: string[] = [];
  const leftOut: string[] = [];
  let length = 0;
  for (const make of wanted) {
    // Each make after the first costs its encoded comma too.
    const cost = encodedLength(make) + (makes.length ? encodedLength(',') : 0);
    if (make === '' || make.includes(',') || make.includes('\uFFFD') || make.trim() !== make || length + cost > MAX_MAKE_PARAM_CHARS) {
      leftOut.push(make);
      continue;
    }
    makes.push(make);
    length += cost;
  }
  return { makes, leftOut };
}

function encodedLength(text: string): number {
  return new URLSearchParams({ m: text }).toString().length - 2;
}
