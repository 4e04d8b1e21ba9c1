// Browser budgets, printed (never asserted): bundle size, and frame times with 9 nodes and
// hundreds of messages in flight. Run by `make bench` after a release build.
import { open } from './harness.mjs';
import { printBundleSizes } from './sizes.mjs';

// What a page loads at start, and the bug search's worker, loaded only when a search starts.
await printBundleSizes();

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

// Explore in the page's worker: correct Paxos on 3 nodes with the panel's budgets for Paxos,
// to its state bound (the figures the panel shows when it stops).
const search = await open('p=paxos&n=3');
await search.page.click('[data-testid="explore"] summary');
await search.page.click('[data-testid="explore-start"]');
await search.page.waitForSelector('[data-testid="explore-result"]', { timeout: 120000 });
const figures = await search.page.textContent('[data-testid="explore-result"] .figures');
console.log(`explore:     in the page, Paxos 3 nodes, 2 proposers, 1 crash: ${figures}`);
await search.close();
