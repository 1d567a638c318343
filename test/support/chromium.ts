// Where the browser tests find Chromium: Debian's package when installed, else the one @sparticuz/chromium ships.
import { existsSync } from 'node:fs';

export async function chromiumPath(): Promise<string> {
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  const sparticuz = (await import('@sparticuz/chromium')).default;
  return sparticuz.executablePath();
}
