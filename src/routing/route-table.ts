// Compiles the configured route table into matchers: path pattern (+ methods) → surface and path parameters.
import type { RouteConfig } from '../config/schema';
import { ConfigError } from '../config/load';
import type { Surface } from '../domain/surfaces';

export interface RouteMatch {
  surface: Surface;
  params: Record<string, string>;
  /** What `**` matched, with a leading slash ('' when nothing). */
  rest: string;
  /** The path the upstream gets when the route has a `rewrite` (still percent-encoded as received), else null. */
  forwardPath: string | null;
}

interface CompiledRoute {
  regex: RegExp;
  names: string[];
  hasRest: boolean;
  methods: Set<string> | null;
  surface: Surface;
  rewrite: ((raw: Record<string, string>, rest: string) => string) | null;
}

export interface RouteTable {
  match(method: string, pathname: string): RouteMatch | null;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compile(route: RouteConfig, index: number): CompiledRoute {
  const segments = route.path.split('/').slice(1);
  const names: string[] = [];
  let source = '^';
  let hasRest = false;
  segments.forEach((segment, i) => {
    if (segment === '**') {
      if (i !== segments.length - 1) {
        throw new ConfigError('ERR_CONFIG_ROUTE', `routes[${index}] (${route.path}): ** may only end a pattern`);
      }
      hasRest = true;
      source += '(/.*)?';
      return;
    }
    if (segment.startsWith(':')) {
      const name = segment.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new ConfigError('ERR_CONFIG_ROUTE', `routes[${index}] (${route.path}): bad parameter name "${name}"`);
      }
      names.push(name);
      source += '/([^/]+)';
      return;
    }
    if (segment.includes('*') || segment.includes(':')) {
      throw new ConfigError('ERR_CONFIG_ROUTE', `routes[${index}] (${route.path}): bad segment "${segment}"`);
    }
    source += `/${escapeRegex(segment)}`;
  });
  source += hasRest ? '$' : '/?$';
  return {
    regex: new RegExp(source),
    names,
    hasRest,
    methods: route.methods ? new Set(route.methods) : null,
    surface: route.surface,
    rewrite: route.rewrite === undefined ? null : compileRewrite(route.rewrite),
  };
}

/** "/api/**" or "/v2/:accountId/x/**": parameters and the rest are put back as they arrived (still encoded). */
function compileRewrite(template: string): (raw: Record<string, string>, rest: string) => string {
  const segments = template.split('/').slice(1);
  return (raw, rest) => {
    let path = '';
    for (const segment of segments) {
      if (segment === '**') path += rest;
      else if (segment.startsWith(':')) path += `/${raw[segment.slice(1)] ?? ''}`;
      else path += `/${segment}`;
    }
    return path === '' ? '/' : path;
  };
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** First matching route wins, as in the config file. */
export function compileRoutes(routes: RouteConfig[]): RouteTable {
  const compiled = routes.map(compile);
  return {
    match(method: string, pathname: string): RouteMatch | null {
      for (const route of compiled) {
        if (route.methods && !route.methods.has(method)) continue;
        const m = route.regex.exec(pathname);
        if (!m) continue;
        const params: Record<string, string> = {};
        const raw: Record<string, string> = {};
        route.names.forEach((name, i) => {
          raw[name] = m[i + 1] ?? '';
          params[name] = decode(raw[name]);
        });
        const rest = route.hasRest ? (m[route.names.length + 1] ?? '') : '';
        return { surface: route.surface, params, rest, forwardPath: route.rewrite ? route.rewrite(raw, rest) : null };
      }
      return null;
    },
  };
}
