// Browser budgets, printed (never asserted): bundle size, and frame times with 9 nodes and
// hundreds of messages in flight. Run by `make bench` after a release build.
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DIST, open } from './harness.mjs';

const files = (await readdir(DIST)).filter((f) => f.endsWith('.wasm') || f.endsWith('.js'));
let raw = 0;
let gz = 0;
for (const f of files) {
  const body = await readFile(join(DIST, f));
  raw += body.length;
  gz += gzipSync(body, { level: 9 }).length;
}
console.log(`bundle:      wasm + js ${(raw / 1024).toFixed(0)} KB, gzip ${(gz / 1024).toFixed(0)} KB (target < 400 KB)`);

// 9 nodes, heartbeats every 5 ms over a 300-400 ms network: several hundred messages in flight.
const app = await open('n=9&hb=5ms&lat=300ms..400ms&et=600ms..900ms&speed=7&autoplay=1');
const { page } = app;
// Wait for a leader: its heartbeats fill the network.
const inFlightNow = () => Number(document.querySelector('[data-testid="cluster"]').dataset.messages);
await page.waitForFunction(`(${inFlightNow})() >= 450`, null, { timeout: 30000 });
const inFlight = await page.evaluate(inFlightNow);
const frames = await page.evaluate(
  () =>
    new Promise((done) => {
      const times = [];
      let last = performance.now();
      const tick = (now) => {
        times.push(now - last);
        last = now;
        if (times.length < 300) requestAnimationFrame(tick);
        else done(times);
      };
      requestAnimationFrame(tick);
    }),
);
frames.sort((a, b) => a - b);
const p = (q) => frames[Math.floor(q * (frames.length - 1))].toFixed(1);
console.log(
  `frames:      ${inFlight} messages in flight, 9 nodes: median ${p(0.5)} ms, p95 ${p(0.95)} ms, ` +
    `max ${p(1)} ms (target: p95 <= 16.7 ms, i.e. 60 fps)`,
);
await app.close();
