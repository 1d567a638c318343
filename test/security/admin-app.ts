// Test helpers: a gateway with the standard parts (as the server runs it), and the list of admin routes actually mounted.
import type { Express } from 'express';
import { createGateway, type GatewayApp } from '../../src/gateway';
import { ManualClock } from '../../src/domain/clock';
import { MemoryStore } from '../../src/store/memory/memory-store';
import { ADMIN_TOKEN } from '../support/accounts';

export function adminApp(options: { store?: MemoryStore; clock?: ManualClock; config?: Record<string, unknown> } = {}): GatewayApp {
  return createGateway({
    upstreams: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
    store: options.store ?? new MemoryStore(),
    clock: options.clock ?? new ManualClock(Date.parse('2026-11-23T12:00:00Z')),
    adminTokens: [ADMIN_TOKEN],
    config: options.config,
    // No `parts`: createGateway builds the server's standard parts, so a route they add cannot escape the checks.
    background: false,
  });
}

interface Layer {
  name: string;
  regexp: RegExp & { fast_slash?: boolean };
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** The literal path a router was mounted on; throws for a pattern it cannot read, so nothing is silently missed. */
function mountPath(layer: Layer): string {
  if (layer.regexp.fast_slash) return '';
  const literal = layer.regexp.source
    .replace(/^\^/, '')
    .replace(/\\\/\?\(\?=\\\/\|\$\)$/, '')
    .replace(/\\\//g, '/');
  if (!/^(\/[\w.-]+)+$/.test(literal)) throw new Error(`cannot read the mount path of router layer ${layer.regexp.source}`);
  return literal;
}

function walk(stack: Layer[], prefix: string, out: Set<string>): void {
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && method !== '_all') out.add(`${method.toUpperCase()} ${prefix}${path}`);
        }
      }
    } else if (layer.handle.stack) {
      walk(layer.handle.stack, prefix + mountPath(layer), out);
    }
  }
}

/** Every `METHOD /path` routed under /admin/v1, in OpenAPI path syntax (`{id}`), relative to /admin/v1. */
export function adminRoutes(app: Express): string[] {
  const router = (app as unknown as { _router: { stack: Layer[] } })._router;
  const all = new Set<string>();
  walk(router.stack, '', all);
  return [...all]
    .filter((route) => route.split(' ')[1]?.startsWith('/admin/v1/'))
    .map((route) => route.replace(' /admin/v1/', ' /').replace(/:(\w+)/g, '{$1}'))
    .sort();
}
