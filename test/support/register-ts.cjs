/**
 * Lets a child process that a test spawns (`node -r ./test/support/register-ts.cjs child.ts`)
 * — or a worker thread started from the sources — run the TypeScript sources as jest does:
 * each file transpiled on load (no type check), and the `.js` of relative imports (nodenext
 * style) resolved to the `.ts` beside it. For crash tests, which need a real process to kill.
 *
 * Transpiled files are cached under node_modules/.cache/cardplane-ts, keyed by the source's
 * content: the crash and replica tests start dozens of gateway processes, and loading the
 * TypeScript compiler and transpiling every module again was most of each start.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const CACHE = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'cardplane-ts');
/** Changing the options below changes this, so nothing transpiled under the old ones is read. */
const OPTIONS_VERSION = 'cjs-es2022-decorators-1';
/** The compiler's version (read without loading the compiler), part of every cache key. */
const TS_VERSION = require('typescript/package.json').version;

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request.startsWith('.') && request.endsWith('.js') && parent && parent.filename && parent.filename.endsWith('.ts')) {
    const candidate = path.resolve(path.dirname(parent.filename), `${request.slice(0, -3)}.ts`);
    if (fs.existsSync(candidate)) return candidate;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

function transpile(source, filename) {
  const ts = require('typescript');
  return ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  }).outputText;
}

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const digest = crypto.createHash('sha256').update(`${OPTIONS_VERSION}\0${TS_VERSION}\0${filename}\0${source}`).digest('hex');
  const cached = path.join(CACHE, `${digest}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    output = transpile(source, filename);
    try {
      fs.mkdirSync(CACHE, { recursive: true });
      // Written aside and renamed: a process reading the cache never sees half a file.
      const partial = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}`;
      fs.writeFileSync(partial, output);
      fs.renameSync(partial, cached);
    } catch {
      // A cache that cannot be written only costs the next process the transpilation.
    }
  }
  module._compile(output, filename);
};
