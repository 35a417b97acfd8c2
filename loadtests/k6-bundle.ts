/**
 * Bundles the k6 TypeScript scripts (and the shared scenario modules they import) into one
 * plain ES module each, which any k6 version runs: `k6 run dist/k6/fanout.js`.
 * k6 modules (`k6`, `k6/*`) stay external: k6 provides them.
 *
 *   npx tsx loadtests/k6-bundle.ts [outDir]     (default dist/k6)
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const K6_SCRIPTS = ['fanout', 'failover', 'connect_ramp'] as const;

const k6Dir = fileURLToPath(new URL('./k6/', import.meta.url));

/** Writes `<outDir>/<script>.js` for every k6 script and returns the paths. */
export async function bundleK6Scripts(outDir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const script of K6_SCRIPTS) {
    const outfile = `${outDir}/${script}.js`;
    await build({
      entryPoints: [`${k6Dir}${script}.ts`],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      // k6's JavaScript runtime (sobek) supports ES2020 syntax.
      target: 'es2020',
      external: ['k6', 'k6/*'],
      outfile,
      logLevel: 'warning',
    });
    paths.push(outfile);
  }
  return paths;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const written = await bundleK6Scripts(process.argv[2] ?? 'dist/k6');
  for (const path of written) console.log(path);
}
