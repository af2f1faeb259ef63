// Jest transform: TypeScript to CommonJS with esbuild (already used for the bundles). Type-only,
// per file, like ts-jest's isolatedModules mode: `tsc --noEmit` in `npm test` does the type-check.
const crypto = require('crypto');
const fs = require('fs');
const { transformSync, version } = require('esbuild');

const self = fs.readFileSync(__filename);

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: 'ts',
      format: 'cjs',
      // Same semantics as tsconfig.json (ES2022: class fields are defined, not assigned).
      target: 'es2022',
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, esModuleInterop: true } },
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
  getCacheKey(source, filename, options) {
    return crypto.createHash('sha256')
      .update(self).update('\0').update(version).update('\0')
      .update(filename).update('\0').update(options.configString).update('\0').update(source)
      .digest('hex');
  },
};
