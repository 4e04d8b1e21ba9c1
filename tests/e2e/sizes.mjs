// The bundle's sizes, raw and gzip -9, from the built dist/: what the page loads at start
// (HTML, CSS, JS, WebAssembly) and the bug search's worker (JS, WebAssembly), which loads only
// when a search starts. No dependencies: `node sizes.mjs` works without the browser tools.
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../dist');
const PARTS = /\.(html|css|js|wasm)$/;

/** { page: { raw, gzip, wasm }, worker: { raw, gzip, wasm } } in bytes, for dist/. */
export async function bundleSizes(dist = DIST) {
  const sizes = {
    page: { raw: 0, gzip: 0, wasm: 0 },
    worker: { raw: 0, gzip: 0, wasm: 0 },
  };
  for (const f of (await readdir(dist)).filter((f) => PARTS.test(f))) {
    const body = await readFile(join(dist, f));
    const part = sizes[f.startsWith('explore-worker') ? 'worker' : 'page'];
    const gzip = gzipSync(body, { level: 9 }).length;
    part.raw += body.length;
    part.gzip += gzip;
    if (f.endsWith('.wasm')) part.wasm += gzip;
  }
  return sizes;
}

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

/** The two lines `make bench` and `make size` print. */
export async function printBundleSizes(dist = DIST) {
  const { page, worker } = await bundleSizes(dist);
  console.log(
    `bundle:      page (html, css, js, wasm) ${kb(page.raw)}, gzip ${kb(page.gzip)} ` +
      `(wasm ${kb(page.wasm)}; target <= 350 KB gzip)`,
  );
  console.log(
    `worker:      ${kb(worker.raw)}, gzip ${kb(worker.gzip)} (wasm ${kb(worker.wasm)}), ` +
      `loaded when Find a bug starts`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await printBundleSizes();
