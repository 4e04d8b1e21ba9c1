// Shared helpers for the end-to-end tests: serve dist/ from a sub-path on 127.0.0.1, drive
// Debian's headless Chromium with playwright-core, and record everything that went wrong.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = resolve(here, '../..');
export const DIST = join(ROOT, 'dist');
export const SHOTS = join(ROOT, 'target', 'e2e');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
};

/// The Content-Security-Policy a strict static host would send: the app must run under it.
export const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:";

/**
 * Serves `dir` under `base` (e.g. "/some/sub/path/") on a free port of 127.0.0.1.
 * `headers` are added to every response. Returns { url, close, requests }.
 */
export async function serve({ dir = DIST, base = '/lab/', headers = {}, pages = {} } = {}) {
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.push(path);
    if (Object.hasOwn(pages, path)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers });
      res.end(pages[path]);
      return;
    }
    if (!path.startsWith(base)) {
      res.writeHead(404).end('outside the site');
      return;
    }
    let rel = path.slice(base.length) || 'index.html';
    if (rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(dir, rel));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        ...headers,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}${base}`,
    requests,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/**
 * Starts headless Chromium (Debian's; nothing is downloaded) and opens a page that records
 * console errors, page errors, failed requests and requests to any other host.
 */
export async function launch({ viewport = { width: 1280, height: 800 } } = {}) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A page that navigates (a tour moving to the ring page) cancels what it was still
    // loading, the favicon say: the browser's own doing, nothing the reader sees.
    if (r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`failed request: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) {
      problems.push(`request to another host: ${r.url()}`);
    }
  });
  return { browser, context, page, problems };
}

/** Saves target/e2e/<name>.png. */
export async function screenshot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export const byTestId = (id) => `[data-testid="${id}"]`;

/** Waits until the app has mounted (the clock is shown), and the tour a link names has opened:
 * its text is fetched as it opens, so its chapter (or a notice why not) follows by a moment. */
export async function ready(page) {
  await page.waitForSelector(byTestId('clock'), { timeout: 20000 });
  await tourOpened(page);
}

/** Waits for the chapter of the tour the page's link names, or a notice why it did not open. */
export async function tourOpened(page) {
  if (!new URL(page.url()).searchParams.has('tour')) return;
  await page.waitForSelector(`${byTestId('tour-chapter')}, ${byTestId('notice')}`, { timeout: 20000 });
}

/** The virtual time the app shows, in microseconds (from the clock's data-us attribute). */
export async function clock(page) {
  return Number(await page.getAttribute(byTestId('clock'), 'data-us'));
}

/** Every node's data attributes, in id order. */
export async function nodes(page) {
  return page.$$eval('[data-testid^="node-"]', (els) =>
    els
      .map((e) => ({
        id: Number(e.dataset.testid.slice(5)),
        role: e.dataset.role,
        term: Number(e.dataset.term),
        state: e.dataset.state,
        up: e.dataset.up === 'true',
        log: e.dataset.log,
      }))
      .filter((n) => Number.isInteger(n.id))
      .sort((a, b) => a.id - b.id),
  );
}

/** Polls `fn` until it returns a truthy value, or fails after `timeout` ms. */
export async function until(fn, { timeout = 15000, every = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/**
 * Opens the app with query `q` and waits for it; returns the harness pieces. `opts.cores`
 * makes the page see that many cores (navigator.hardwareConcurrency).
 */
export async function open(q = '', opts = {}) {
  const site = await serve(opts.serve);
  const b = await launch(opts);
  if (opts.cores) {
    await b.page.addInitScript((n) => {
      Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n });
    }, opts.cores);
  }
  await b.page.goto(site.url + (q ? `?${q}` : ''));
  await ready(b.page);
  return {
    ...b,
    site,
    async close() {
      await b.browser.close();
      await site.close();
    },
  };
}
