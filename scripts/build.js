// Compiles src/ to dist/ and copies the assets tsc does not (Lua scripts, templates).
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
execSync('npx tsc -p tsconfig.build.json', { cwd: root, stdio: 'inherit' });
for (const rel of ['store/redis/lua']) {
  fs.cpSync(path.join(root, 'src', rel), path.join(root, 'dist', rel), { recursive: true });
}
