// The bundle's sizes, raw and gzip -9, from the built dist/: what the protocol page loads at
// start (index.html, CSS, loader.js, its JS glue and WebAssembly), what the consistent-hashing
// page loads instead of the protocol page's JS and WebAssembly (`ring-page*`), and the bug
// search's worker (`explore-worker*`), which loads only when a search starts. Not counted: the
// embed host script (embed.js, loaded by pages that embed the lab), the tours' texts (tours/,
// fetched one at a time when a tour opens) and the guide (book/).
// No dependencies: `node sizes.mjs` works without the browser tools.
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../dist');
const PARTS = /\.(html|css|js|wasm)$/;
const NOT_LOADED = new Set(['embed.js']);

/** Which part a file of dist/ belongs to. */
const partOf = (f) => (f.startsWith('explore-worker') ? 'worker' : f.startsWith('ring-page') ? 'ring' : 'page');

/**
 * { page, ring, worker }, each { raw, gzip, wasm } in bytes, for dist/; `page` is what every page
 * loads but for its own code: the protocol page's JS and wasm, or the ring page's (`ring`).
 */
export async function bundleSizes(dist = DIST) {
  const sizes = {};
  for (const p of ['page', 'ring', 'worker', 'lab']) sizes[p] = { raw: 0, gzip: 0, wasm: 0 };
  for (const f of (await readdir(dist)).filter((f) => PARTS.test(f) && !NOT_LOADED.has(f))) {
    const body = await readFile(join(dist, f));
    const gzip = gzipSync(body, { level: 9 }).length;
    const part = sizes[partOf(f)];
    part.raw += body.length;
    part.gzip += gzip;
    if (f.endsWith('.wasm')) part.wasm += gzip;
    // The protocol page's own code, which the ring page does not load.
    if (f.startsWith('consensus-lab')) {
      sizes.lab.raw += body.length;
      sizes.lab.gzip += gzip;
    }
  }
  return sizes;
}

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

/** The lines `make bench` and `make size` print. */
export async function printBundleSizes(dist = DIST) {
  const { page, ring, worker, lab } = await bundleSizes(dist);
  console.log(
    `bundle:      page (html, css, js, wasm) ${kb(page.raw)}, gzip ${kb(page.gzip)} ` +
      `(wasm ${kb(page.wasm)}; target <= 350 KB gzip)`,
  );
  console.log(
    `ring page:   ${kb(page.raw - lab.raw + ring.raw)}, gzip ${kb(page.gzip - lab.gzip + ring.gzip)} ` +
      `(its own js and wasm ${kb(ring.raw)}, gzip ${kb(ring.gzip)}, instead of the protocol page's)`,
  );
  console.log(
    `worker:      ${kb(worker.raw)}, gzip ${kb(worker.gzip)} (wasm ${kb(worker.wasm)}), ` +
      `loaded when Find a bug starts`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await printBundleSizes(process.argv[2]);
