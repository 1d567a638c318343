// What can be checked of the Dockerfile and docker-compose.yml without a Docker engine: sources, build output, start command, user, health.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
  stage: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped, each tagged with its stage. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const instructions: Instruction[] = [];
  let stage = '';
  let index = 0;
  for (const line of logical) {
    const [keyword, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const named = /\bAS\s+(\S+)/i.exec(args);
      stage = named ? named[1] : String(index);
      index += 1;
    }
    instructions.push({ keyword: keyword.toUpperCase(), args, stage });
  }
  return instructions;
}

/** Splits COPY arguments into flags, sources and destination (JSON form or shell form). */
function copyParts(args: string): { flags: string[]; sources: string[]; destination: string } {
  const words = args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const rest = words.filter((word) => !word.startsWith('--'));
  const paths = rest.join(' ').startsWith('[') ? (JSON.parse(rest.join(' ')) as string[]) : rest;
  return { flags, sources: paths.slice(0, -1), destination: paths[paths.length - 1] };
}

function dockerignorePatterns(): string[] {
  return read('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

function ignored(source: string, patterns: string[]): boolean {
  const clean = source.replace(/^\.\//, '').replace(/\/$/, '');
  return patterns.some((pattern) => {
    const p = pattern.replace(/^\.\//, '').replace(/\/$/, '');
    if (p.includes('*')) {
      const regex = new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      return regex.test(clean);
    }
    return clean === p || clean.startsWith(`${p}/`);
  });
}

const instructions = parseDockerfile(read('Dockerfile'));
const stages = [...new Set(instructions.map((instruction) => instruction.stage))];
const finalStage = stages[stages.length - 1];
const inStage = (stage: string, keyword: string) =>
  instructions.filter((instruction) => instruction.stage === stage && instruction.keyword === keyword);
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

describe('Dockerfile', () => {
  it('is multi-stage, every stage on node:24-slim (the current LTS), and package.json engines accepts 24 and 20', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(instructions.filter((instruction) => instruction.keyword === 'FROM').map((from) => from.args.split(/\s+/)[0])).toEqual(
      stages.map(() => 'node:24-slim'),
    );
    // The image runs 24; the machines here run 20 and the code stays compatible with it.
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('^20 || ^22 || ^24');
  });

  it('copies only files that exist in the repository and are not excluded from the build context', () => {
    const patterns = dockerignorePatterns();
    const copies = instructions.filter((instruction) => instruction.keyword === 'COPY' || instruction.keyword === 'ADD');
    const fromContext = copies.filter((instruction) => !copyParts(instruction.args).flags.some((flag) => flag.startsWith('--from=')));
    expect(fromContext.length).toBeGreaterThan(0);
    for (const copy of fromContext) {
      for (const source of copyParts(copy.args).sources) {
        expect({ source, exists: existsSync(path.join(root, source)) }).toEqual({ source, exists: true });
        expect({ source, ignored: ignored(source, patterns) }).toEqual({ source, ignored: false });
      }
    }
  });

  it('builds dist/ in the build stage with the same script as npm run build, and the runtime copies exactly that', () => {
    const fromBuild = instructions.filter((instruction) => instruction.keyword === 'COPY' && /--from=/.test(instruction.args));
    expect(fromBuild).toHaveLength(1);
    const { flags, sources } = copyParts(fromBuild[0].args);
    const buildStage = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length) ?? '';
    expect(stages).toContain(buildStage);
    expect(inStage(buildStage, 'RUN').some((run) => run.args.includes('npm run build'))).toBe(true);

    const workdir = inStage(buildStage, 'WORKDIR')
      .map((w) => w.args)
      .pop();
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(sources).toEqual([path.posix.join(workdir ?? '/', buildConfig.compilerOptions.outDir)]);
    expect(pkg.scripts.build).toBe('node scripts/build.js');
    expect(read('scripts/build.js')).toContain('tsconfig.build.json');
    // Every file the build stage compiles from is copied into it.
    const copiedIntoBuild = inStage(buildStage, 'COPY').flatMap((copy) => copyParts(copy.args).sources);
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'scripts',
      buildConfig.compilerOptions.rootDir,
    ]) {
      expect(copiedIntoBuild).toContain(needed);
    }
  });

  it('starts the same file as npm start, and that file is what the build produces from src/server.ts', () => {
    const cmd = inStage(finalStage, 'CMD').pop();
    expect(cmd).toBeDefined();
    const command = JSON.parse(cmd?.args ?? '[]') as string[];
    expect(command.join(' ')).toBe(pkg.scripts.start);
    const target = command[command.length - 1];
    expect(target).toMatch(/^dist\/.+\.js$/);
    const sourceOfTarget = target.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
    expect(existsSync(path.join(root, sourceOfTarget))).toBe(true);
  });

  it('installs only production dependencies in the runtime stage', () => {
    const runs = inStage(finalStage, 'RUN').map((run) => run.args);
    expect(runs.some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
    expect(inStage(finalStage, 'COPY').some((copy) => copyParts(copy.args).sources.includes('node_modules'))).toBe(false);
  });

  it('runs as a non-root user', () => {
    const user = inStage(finalStage, 'USER').pop();
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user?.args.trim());
  });

  it('has a HEALTHCHECK on /healthz that needs no curl, and exposes the default port', () => {
    const health = inStage(finalStage, 'HEALTHCHECK').pop();
    expect(health?.args).toMatch(/CMD/);
    expect(health?.args).toContain('/healthz');
    expect(health?.args).toMatch(/"node"|\bnode\b/);
    expect(health?.args).not.toMatch(/\bcurl\b|\bwget\b/);
    expect(inStage(finalStage, 'EXPOSE').map((e) => e.args)).toContain('8080');
  });

  it('keeps host build output and node_modules out of the build context', () => {
    const patterns = dockerignorePatterns();
    expect(ignored('node_modules', patterns)).toBe(true);
    expect(ignored('dist', patterns)).toBe(true);
    expect(ignored('.git', patterns)).toBe(true);
  });
});

/** The lines of one top-level service block of docker-compose.yml (kept to a simple, indentation-based shape). */
function serviceBlock(compose: string, name: string): string {
  const lines = compose.split('\n');
  const start = lines.findIndex((line) => line === `  ${name}:`);
  expect(start).toBeGreaterThan(-1);
  const end = lines.findIndex((line, index) => index > start && /^ {0,2}\S/.test(line));
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');

  it('runs Redis with append-only persistence on a named volume', () => {
    const redis = serviceBlock(compose, 'redis');
    expect(redis).toMatch(/- [\w-]+:\/data/);
    const volume = /- ([\w-]+):\/data/.exec(redis)?.[1];
    expect(compose).toMatch(new RegExp(`^volumes:\\n(  .*\\n)*  ${volume}:`, 'm'));
  });

  it('keeps the README durability promise: appendfsync always and maxmemory-policy noeviction', () => {
    const line = /^\s+command: (\[.*\])$/m.exec(serviceBlock(compose, 'redis'))?.[1] ?? '[]';
    const command = JSON.parse(line) as string[];
    const option = (name: string): string | undefined => command[command.indexOf(`--${name}`) + 1];
    expect(command[0]).toBe('redis-server');
    expect({
      appendonly: option('appendonly'),
      appendfsync: option('appendfsync'),
      'maxmemory-policy': option('maxmemory-policy'),
    }).toEqual({
      appendonly: 'yes',
      appendfsync: 'always',
      'maxmemory-policy': 'noeviction',
    });
    // The README promises exactly this setting (Durable buffering and replay).
    expect(read('README.md').replace(/\s+/g, ' ')).toContain(
      '`appendonly yes`, `appendfsync always` and `maxmemory-policy noeviction` (the compose file does)',
    );
  });

  it('builds the gateway from this Dockerfile and gives it every setting of the interface contract', () => {
    const gateway = serviceBlock(compose, 'gateway');
    expect(gateway).toMatch(/build: \./);
    // SPEC §7: the settings every operator relies on.
    for (const name of ['PORT', 'REDIS_URL', 'UPSTREAM_US', 'UPSTREAM_EU', 'ADMIN_TOKENS', 'GATEWAY_CONFIG']) {
      expect({ name, present: new RegExp(`^\\s+- ${name}(=|$)`, 'm').test(gateway) }).toEqual({ name, present: true });
    }
    expect(gateway).toMatch(/- REDIS_URL=redis:\/\/redis:6379/);
    expect(gateway).toMatch(/condition: service_healthy/);
    // Tokens come from the operator's environment, never from the file.
    expect(gateway).toMatch(/^\s+- ADMIN_TOKENS$/m);
  });
});
