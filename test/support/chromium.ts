// Where the browser tests find Chromium: the system one when installed, else the one packaged in @sparticuz/chromium.
import { existsSync } from 'node:fs';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export async function chromiumPath(): Promise<string> {
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  // The package's CommonJS build exports the class itself; its typings describe the ES default export.
  const mod = (await import('@sparticuz/chromium')) as unknown as { default?: { executablePath(): Promise<string> }; executablePath?: () => Promise<string> };
  const packaged = mod.default ?? (mod as { executablePath(): Promise<string> });
  return packaged.executablePath();
}
