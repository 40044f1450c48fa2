#!/usr/bin/env node
// runs the compiled CLI; `npm run build` produces dist/
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'src', 'cli.js');
if (!existsSync(compiled)) {
  process.stderr.write('member-officer-gateway: not built yet; run `npm run build` (npm start does it for you)\n');
  process.exit(2);
}
const { main } = await import(pathToFileURL(compiled).href);
process.exitCode = await main(process.argv.slice(2));
