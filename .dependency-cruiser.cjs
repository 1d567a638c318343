// Import rules for src/ (npm run lint:deps, run by CI): a request flows one way, and the folders show it.
// Each layer may import its own folder and the layers below it, never one above: no import between src/ folders runs
// back up, so no folder circle can form. Module-level circles are forbidden outright.

/** Bottom to top. Folders on one line are side by side: they may not import each other either. */
const LAYERS = [
  ['domain', 'observability'],
  ['store'],
  ['config', 'state', 'migration', 'security'],
  ['policy'],
  ['routing'],
  ['answers'],
  ['proxy'],
  ['buffer', 'timeline', 'integrations'],
  ['admin'],
  ['console'],
  ['gateway'],
];

const folder = (name) => `^src/${name}/`;

const layerRules = LAYERS.flatMap((layer, index) => {
  const above = LAYERS.slice(index + 1).flat();
  return layer.flatMap((name) => {
    const beside = layer.filter((other) => other !== name);
    const forbidden = [...above, ...beside];
    // The top layer may import every folder: it has no rule (an empty list would match everything).
    if (forbidden.length === 0) return [];
    return {
      name: `${name}-imports-only-below`,
      comment: `src/${name}/ may import only folders below it (${LAYERS.slice(0, index).flat().join(', ') || 'none'}), not ${forbidden.join(', ')}`,
      severity: 'error',
      from: { path: folder(name) },
      to: { path: forbidden.map(folder) },
    };
  });
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules that import each other in a loop cannot be read, tested or loaded one at a time.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'entry-points-are-top',
      comment: 'index.ts, server.ts and the cluster files compose everything; nothing in a folder imports them.',
      severity: 'error',
      from: { path: '^src/[^/]+/' },
      to: { path: '^src/(index|server|cluster-[^/]+)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(test|bench|dist|node_modules)/' },
  },
};
