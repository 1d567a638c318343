// The parts of a request target the gateway reads without parsing the whole URL: the path, query parameters.

/** Every value of one query parameter, without parsing the query unless there is one. */
export function queryParams(url: string, name: string): string[] {
  const q = url.indexOf('?');
  if (q < 0) return [];
  return new URLSearchParams(url.slice(q + 1)).getAll(name);
}

/** One query parameter (the first value), or null. */
export function queryParam(url: string, name: string): string | null {
  return queryParams(url, name)[0] ?? null;
}

export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
