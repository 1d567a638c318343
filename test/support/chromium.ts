// Launches headless Chromium for browser tests: the system's (/usr/bin/chromium or `chromium` on PATH) when present, else the one bundled in the @sparticuz/chromium devDependency (never a download).
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
// Inside node_modules so `npm ci` starts it afresh and no other checkout on the machine shares (or races on) it.
const CACHE_ROOT = path.join(__dirname, '..', '..', 'node_modules', '.cache');
// Flags for a sandbox-less container run as root; no background traffic, since the machine has no network.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumBinary {
  executablePath: string;
  /** Extra environment the binary needs (the bundled build's own NSS/expat libraries and fonts); empty for the system's. */
  env: Record<string, string>;
  source: 'system' | 'bundled';
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  return undefined;
}

/**
 * The bundled build, unpacked once per installed version from the package's bin/ files. Unpacked here rather than by
 * the package's executablePath(), which unpacks into a /tmp/chromium shared by every project on the machine (and
 * returns whatever another one left there). The build targets Amazon Linux: elsewhere it needs the NSS and expat
 * libraries the package ships in al2023.tar.br (a fresh Debian has none), given to the browser alone via LD_LIBRARY_PATH.
 */
async function bundled(): Promise<ChromiumBinary> {
  const packageDir = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  const version = (JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = path.join(CACHE_ROOT, `sparticuz-chromium-${version}`);
  if (!existsSync(path.join(dir, 'chromium'))) {
    mkdirSync(CACHE_ROOT, { recursive: true });
    // Unpack aside and rename into place, so two test workers starting together never see half a browser.
    const scratch = mkdtempSync(path.join(CACHE_ROOT, 'chromium-unpacking-'));
    const bin = path.join(packageDir, 'bin');
    const untar = (archive: string, into: string): void => {
      mkdirSync(into, { recursive: true });
      // The system's tar (on every Debian, node:*-slim included) reads the decompressed archive from stdin.
      execFileSync('tar', ['-x', '--no-same-owner', '-C', into], { input: brotliDecompressSync(readFileSync(path.join(bin, archive))) });
    };
    try {
      await pipeline(
        createReadStream(path.join(bin, 'chromium.br')),
        createBrotliDecompress(),
        createWriteStream(path.join(scratch, 'chromium'), { mode: 0o755 }),
      );
      untar('swiftshader.tar.br', scratch);
      untar('fonts.tar.br', path.join(scratch, 'fonts'));
      untar('al2023.tar.br', path.join(scratch, 'al2023'));
      renameSync(scratch, dir);
    } catch (error) {
      rmSync(scratch, { recursive: true, force: true });
      // Another worker renamed its copy into place first: use that one.
      if (!existsSync(path.join(dir, 'chromium'))) throw error;
    }
  }
  return {
    executablePath: path.join(dir, 'chromium'),
    env: { LD_LIBRARY_PATH: path.join(dir, 'al2023', 'lib'), FONTCONFIG_PATH: path.join(dir, 'fonts') },
    source: 'bundled',
  };
}

/** Which Chromium the browser tests will drive on this machine. */
export async function findChromium(): Promise<ChromiumBinary> {
  const system = existsSync(SYSTEM_CHROMIUM) ? SYSTEM_CHROMIUM : onPath('chromium');
  if (system) return { executablePath: system, env: {}, source: 'system' };
  return bundled();
}

/** A headless Chromium for one test file; close it in afterAll. */
export async function launchChromium(): Promise<Browser> {
  const binary = await findChromium();
  return chromium.launch({
    executablePath: binary.executablePath,
    args: ARGS,
    env: { ...process.env, ...binary.env } as Record<string, string>,
  });
}
