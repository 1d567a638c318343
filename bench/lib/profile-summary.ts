// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the gateway's own CPU time goes, by function and by file.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

export interface ProfileLine {
  name: string;
  percent: number;
}

function shortUrl(url: string): string {
  const nodeModules = url.lastIndexOf('node_modules/');
  if (nodeModules !== -1) return url.slice(nodeModules + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

export function summariseProfile(file: string, top = 15): { functions: ProfileLine[]; files: ProfileLine[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfSamples = new Map<number, number>();
  for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  const total = profile.samples.length || 1;
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, count] of selfSamples) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = shortUrl(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + count);
    const fileKey = where.startsWith('dist/') ? where : (where.split('/')[0] ?? where);
    files.set(fileKey, (files.get(fileKey) ?? 0) + count);
  }
  const rank = (map: Map<string, number>): ProfileLine[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, count]) => ({ name, percent: Math.round((count / total) * 1000) / 10 }));
  return { functions: rank(functions), files: rank(files) };
}
