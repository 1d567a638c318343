// helmet's headers for the gateway's own pages, computed once; proxied responses keep the upstream's headers.
import type { ServerResponse } from 'node:http';
import helmet from 'helmet';

type HeaderList = [string, string][];

function computeHelmetHeaders(): HeaderList {
  const headers: HeaderList = [];
  const fakeRes = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name, String(value)]);
    },
    removeHeader() {},
  };
  const middleware = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'unsafe-inline'"],
        imgSrc: ["'self'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
  });
  middleware({} as never, fakeRes as never, () => undefined);
  return headers;
}

let cached: HeaderList | null = null;

/** helmet's headers as [name, value] pairs, computed on first use (for answers that write all their headers at once). */
export function securityHeaders(): readonly [string, string][] {
  cached ??= computeHelmetHeaders();
  return cached;
}

export function applySecurityHeaders(res: ServerResponse): void {
  for (const [name, value] of securityHeaders()) res.setHeader(name, value);
}
