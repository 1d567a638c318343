// Compiles the configured route table into matchers: path pattern (+ methods) → surface and path parameters.
import type { RouteConfig } from '../config/schema';
import { ConfigError } from '../config/load';
import type { Surface } from './surfaces';

export interface RouteMatch {
  surface: Surface;
  params: Record<string, string>;
  /** What `**` matched, with a leading slash ('' when nothing). */
  rest: string;
}

interface CompiledRoute {
  regex: RegExp;
  names: string[];
  hasRest: boolean;
  methods: Set<string> | null;
  surface: Surface;
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
        route.names.forEach((name, i) => {
          params[name] = decode(m[i + 1] ?? '');
        });
        const rest = route.hasRest ? (m[route.names.length + 1] ?? '') : '';
        return { surface: route.surface, params, rest };
      }
      return null;
    },
  };
}
