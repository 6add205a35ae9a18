#!/usr/bin/env node
/**
 * `npm run token`: runs the compiled token CLI (dist/src/cli/token.js) at once when the build
 * is newer than every source it depends on, and compiles first otherwise. Only the token goes
 * to stdout: the compiler's output, like every message of the CLI, goes to stderr, so
 * `TOKEN=$(npm run token -- --tenant acme)` captures the token alone.
 */
'use strict';
const { readdirSync, statSync, utimesSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const compiled = join(root, 'dist', 'src', 'cli', 'token.js');

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

const sourcesChanged = Math.max(newestIn(join(root, 'src')), ...['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'].map((f) => mtime(join(root, f))));
if (mtime(compiled) < sourcesChanged) {
  process.stderr.write('token: the build is older than src/, compiling first…\n');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const built = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: ['ignore', 2, 2] });
  if (built.status !== 0) process.exit(built.status ?? 1);
  // tsc may leave an unchanged output untouched: mark the build as current explicitly.
  const now = new Date();
  utimesSync(compiled, now, now);
}
require(compiled);
