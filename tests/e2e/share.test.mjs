// Sharing: links replay exactly, bad links warn without breaking, the embedded view works in
// cross-origin iframes of a documentation page, and the site runs under a strict CSP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { open, serve, launch, byTestId, clock, nodes, until, screenshot, ROOT, STRICT_CSP } from './harness.mjs';

test('the site runs under a strict Content-Security-Policy', async () => {
  const app = await open('speed=6', { serve: { headers: { 'content-security-policy': STRICT_CSP } } });
  try {
    const { page, problems } = app;
    await page.click(byTestId('play'));
    await until(async () => (await nodes(page)).some((n) => n.role === 'leader'), { what: 'a leader' });
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('a copied link replays the same run', async () => {
  const app = await open('speed=6');
  try {
    const { page, context } = app;
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click(byTestId('play'));
    await until(async () => (await nodes(page)).some((n) => n.role === 'leader'), { what: 'a leader' });
    await page.click(byTestId('play'));
    await page.click(byTestId('node-3'));
    await page.click(byTestId('crash'));
    for (let i = 0; i < 20; i++) await page.click(byTestId('step'));
    await page.click(byTestId('copy-link'));
    const url = page.url();
    assert.match(url, /a=\d+\.\d+\.crash%20S3/);
    const want = {
      hash: await page.textContent(byTestId('trace-hash')),
      nodes: await nodes(page),
      clock: await clock(page),
    };
    const other = await context.newPage();
    await other.goto(url);
    await other.waitForSelector(byTestId('clock'));
    // The link opens at its last action; step to the same event.
    const events = Number(await page.getAttribute(byTestId('clock'), 'data-events'));
    while (Number(await other.getAttribute(byTestId('clock'), 'data-events')) < events) {
      await other.click(byTestId('step'));
    }
    assert.equal(await other.textContent(byTestId('trace-hash')), want.hash);
    assert.deepEqual(await nodes(other), want.nodes);
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test('a malformed link shows a message and falls back to defaults', async () => {
  const app = await open('p=pbft&n=500&seed=banana&a=1.2.z9~x&frob=1');
  try {
    const { page, problems } = app;
    const notice = await page.textContent(byTestId('notice'));
    assert.match(notice, /unknown protocol 'pbft'/);
    assert.match(notice, /seed=banana/);
    assert.match(notice, /unknown parameter 'frob'/);
    assert.equal((await nodes(page)).length, 5);
    await page.click(byTestId('play'));
    await until(async () => (await clock(page)) > 0, { what: 'the clock to run' });
    await screenshot(page, 'bad-link');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('the example documentation page embeds three running views cross-origin', async () => {
  const lab = await serve({ base: '/lab/' });
  const doc = (await readFile(join(ROOT, 'docs', 'embed-example.html'), 'utf8')).replaceAll('../dist/', lab.url);
  const docs = await serve({ base: '/nothing/', pages: { '/guide/': doc, '/favicon.ico': '' } });
  const b = await launch({ viewport: { width: 800, height: 1600 } });
  try {
    await b.page.goto(`${docs.origin}/guide/`);
    for (const id of ['election', 'partition', 'blocking']) {
      const frame = b.page.frameLocator(`#${id}`);
      await frame.locator(byTestId('clock')).waitFor();
      const t0 = Number(await frame.locator(byTestId('clock')).getAttribute('data-us'));
      await until(async () => Number(await frame.locator(byTestId('clock')).getAttribute('data-us')) > t0 + 50_000, {
        what: `${id} to run`,
      });
      assert.equal(await frame.locator('.open-full').count(), 1);
      assert.equal(await frame.locator(byTestId('event-log')).count(), 0, 'no side panels when embedded');
    }
    const blocking = b.page.frameLocator('#blocking');
    await until(
      async () => {
        const states = await blocking.locator('[data-testid^="node-"]').evaluateAll((els) => els.map((e) => e.dataset.state));
        return states.filter((s) => s.includes('blocked')).length === 3;
      },
      { what: 'the embedded 2PC participants to block', timeout: 30000 },
    );
    await b.page.locator('#partition').scrollIntoViewIfNeeded();
    await screenshot(b.page, 'embed-docs-page');
    assert.deepEqual(b.problems, []);
  } finally {
    await b.browser.close();
    await lab.close();
    await docs.close();
  }
});
