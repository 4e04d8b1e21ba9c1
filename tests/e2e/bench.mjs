// Browser budgets, printed (never asserted): bundle size, frame times with 9 nodes and about a
// thousand messages in flight, a one-hour link (load time, memory, seeks, the whole-run
// space-time view while playing), and the search workers' rates (Hunt on one worker and on one
// per core). Run by `make bench` after a release build.
import { availableParallelism, loadavg } from 'node:os';
import { byTestId, launch, open, serve } from './harness.mjs';
import { printBundleSizes } from './sizes.mjs';

const HOUR_US = 3600 * 1e6;
// LAB_DIST=DIR measures another build (an older one, for a before/after), dist/ otherwise.
// LAB_ONLY=search measures only the search worker (Explore and Hunt), for quick alternate runs.
const dir = process.env.LAB_DIST;
const served = dir ? { serve: { dir } } : {};
const cores = availableParallelism();
const load = loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`machine:     ${cores} cores, load average ${load} (figures from a shared machine vary)`);

if (process.env.LAB_ONLY !== 'search') await pageFigures();

async function pageFigures() {
  // What a page loads at start, and the bug search's worker, loaded only when a search starts.
  await printBundleSizes(dir);

  /** Frame intervals over `n` animation frames: median, p95 and max in ms, as text. */
  async function frameTimes(page, n = 300) {
    const frames = await page.evaluate(
      (n) =>
        new Promise((done) => {
          const times = [];
          let last = performance.now();
          const tick = (now) => {
            times.push(now - last);
            last = now;
            if (times.length < n) requestAnimationFrame(tick);
            else done(times);
          };
          requestAnimationFrame(tick);
        }),
      n,
    );
    frames.sort((a, b) => a - b);
    const p = (q) => frames[Math.floor(q * (frames.length - 1))].toFixed(1);
    return `median ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms`;
}

// 9 nodes, heartbeats every 5 ms over a 300-400 ms network: about a thousand messages in flight.
const app = await open('n=9&hb=5ms&lat=300ms..400ms&et=600ms..900ms&speed=7&autoplay=1', served);
const { page } = app;
// Wait for a leader: its heartbeats and their replies fill the network.
const inFlightNow = () => Number(document.querySelector('[data-testid="cluster"]').dataset.messages);
await page.waitForFunction(`(${inFlightNow})() >= 900`, null, { timeout: 60000 });
const inFlight = await page.evaluate(inFlightNow);
const grid = (await page.$eval(byTestId('log-grid'), (d) => d.open)) ? 'log grid open' : 'log grid folded';
console.log(
  `frames:      ${inFlight} messages in flight, 9 nodes, ${grid}: ${await frameTimes(page)} ` +
    `(target: p95 <= 16.7 ms, i.e. 60 fps)`,
);
await app.close();

// A one-hour link: from navigation to the moment drawn, and the page's memory once there. The
// WebAssembly memory is the run's (time travel included); it never shrinks, so it is the peak.
const site = await serve(served.serve);
const hour = { ...(await launch()), site };
await hour.page.addInitScript(() => {
  addEventListener('TrunkApplicationStarted', (e) => {
    window.labWasm = e.detail.wasm;
  });
});
await hour.page.goto(`${hour.site.url}?t=3600s`);
const loaded = await hour.page.waitForFunction(
  (us) => document.querySelector('[data-testid="clock"]')?.dataset.us === String(us) && performance.now(),
  HOUR_US,
  { polling: 'raf', timeout: 60000 },
);
const loadMs = await loaded.jsonValue();
const memory = await hour.page.evaluate(() => ({
  wasm: window.labWasm.memory.buffer.byteLength,
  js: performance.memory?.usedJSHeapSize ?? 0,
}));
const mb = (n) => (n / (1024 * 1024)).toFixed(1);
console.log(`hour link:   t=3600s drawn ${(loadMs / 1000).toFixed(2)} s after navigation (target: < 1 s)`);
console.log(
  `memory:      one hour with full time travel: ${mb(memory.wasm)} MB of WebAssembly memory, ` +
    `${mb(memory.js)} MB of JavaScript heap (target: <= 32 MB)`,
);

// Seeks on the timeline, each timed from the input to the clock showing the new moment.
const seeks = await hour.page.evaluate(async (end) => {
  const input = document.querySelector('[data-testid="timeline"]');
  const clock = document.querySelector('[data-testid="clock"]');
  // A fixed pseudo-random order (a linear congruential generator): the same seeks every run.
  let x = 12345;
  const times = [];
  for (let i = 0; i < 100; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const target = Math.floor(((x / 2147483648) * end) / 1000) * 1000;
    const shown = new Promise((ok) => {
      const seen = new MutationObserver(() => {
        if (clock.dataset.us === String(target)) {
          seen.disconnect();
          ok();
        }
      });
      seen.observe(clock, { attributes: true });
    });
    const t0 = performance.now();
    input.value = String(target);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await shown;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times;
}, HOUR_US);
const q = (a, p) => a[Math.floor(p * (a.length - 1))].toFixed(1);
console.log(
  `seek:        100 timeline seeks in the one-hour run, input to moment shown: median ` +
    `${q(seeks, 0.5)} ms, p95 ${q(seeks, 0.95)} ms, max ${q(seeks, 1)} ms (target: p95 < 20 ms)`,
);

// The whole-run space-time view of that hour while it plays on.
await hour.page.goto(`${hour.site.url}?t=3600s&view=spacetime&autoplay=1`);
await hour.page.waitForSelector(byTestId('st-whole'), { timeout: 60000 });
await hour.page.click(byTestId('st-whole'));
await hour.page.waitForFunction(
  () => document.querySelector('[data-testid="st-whole"]').getAttribute('aria-pressed') === 'true',
);
const arrows = await hour.page.$$eval('[data-testid="spacetime"] .arrows > g', (g) => g.length);
console.log(
  `whole run:   space-time view of a one-hour run while playing, ${arrows} arrows: ` +
    `${await frameTimes(hour.page)} (target: p95 <= 16.7 ms)`,
);
await hour.browser.close();
await site.close();
}

// Explore in the page's worker: correct Paxos on 3 nodes with the panel's budgets for Paxos,
// to its state bound (the figures the panel shows when it stops).
const search = await open('p=paxos&n=3', served);
await search.page.click('[data-testid="explore"] summary');
await search.page.click('[data-testid="explore-start"]');
await search.page.waitForSelector('[data-testid="explore-result"]', { timeout: 120000 });
const figures = await search.page.textContent('[data-testid="explore-result"] .figures');
console.log(`explore:     in the page, Paxos 3 nodes, 2 proposers, 1 crash: ${figures}`);
await search.close();

// Hunt in the page's workers: 400 seeds of correct Raft under random faults, none failing, on
// one worker, then on one per core (the page sees as many cores as this machine has).
for (const n of [1, cores]) {
  const hunt = await open('p=raft', { ...served, cores: n });
  await hunt.page.click('[data-testid="explore"] summary');
  await hunt.page.click(byTestId('hunt-tab'));
  await hunt.page.fill(byTestId('hunt-from'), '1');
  await hunt.page.fill(byTestId('hunt-to'), '400');
  await hunt.page.click(byTestId('hunt-start'));
  await hunt.page.waitForSelector('[data-testid="explore-result"]', { timeout: 300000 });
  const hunted = await hunt.page.textContent('[data-testid="explore-result"] .figures');
  console.log(`hunt:        in the page, correct Raft, seeds 1-400 with random faults: ${hunted}`);
  await hunt.close();
}
