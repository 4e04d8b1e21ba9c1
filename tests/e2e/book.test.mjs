// The guide (dist/book/) and embedding for others: every chapter opens cleanly under the strict
// CSP, its live runs render, play and fit their frames at desktop and phone widths, load only
// when scrolled to and follow the book's theme; a page of another origin embeds runs with
// embed.js alone; and what Copy embed code gives works once pasted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serve, launch, byTestId, until, screenshot, ROOT, STRICT_CSP } from './harness.mjs';

/** The chapters, in SUMMARY.md's order, as the pages mdBook writes. */
async function chapters() {
  const summary = await readFile(join(ROOT, 'book', 'src', 'SUMMARY.md'), 'utf8');
  return [...summary.matchAll(/\]\(([\w-]+)\.md\)/g)].map((m) => `${m[1]}.html`);
}

/** Whether an embed's frame has exactly its content's height (no inner scrollbar). */
async function fits(iframe) {
  const outer = await iframe.evaluate((f) => f.getBoundingClientRect().height);
  const frame = await iframe.contentFrame();
  if (!frame) return false;
  const inner = await frame.evaluate(() => ({
    fit: document.documentElement.hasAttribute('data-fit'),
    body: document.body.getBoundingClientRect().height,
    scroll: document.documentElement.scrollHeight,
    client: document.documentElement.clientHeight,
  }));
  return inner.fit && Math.abs(outer - Math.ceil(inner.body)) <= 1 && inner.scroll <= inner.client + 1 && outer;
}

/** Waits for an embed to draw its cluster (or ring), fit its frame and, for a protocol, play. */
async function live(iframe, what) {
  await iframe.scrollIntoViewIfNeeded();
  const frame = await until(async () => {
    const f = await iframe.contentFrame();
    return f && f.url().includes('embed=1') ? f : null;
  }, { what: `${what} to load` });
  await frame.waitForSelector(`${byTestId('cluster')}, ${byTestId('ring')}`, { timeout: 20000 });
  await until(() => fits(iframe), { what: `${what} to fit its content` });
  if (await frame.$(byTestId('clock'))) {
    const now = async () => Number(await frame.getAttribute(byTestId('clock'), 'data-us'));
    const t0 = await now();
    const moves = (timeout) => until(async () => (await now()) !== t0, { what: `${what} to play`, timeout }).then(
      () => true,
      () => false,
    );
    // Autoplay moves the run by itself; a tour waits at its chapter for Next (or, on a
    // "try it yourself" chapter, Show me).
    let played = await moves(4000);
    for (const id of ['tour-next', 'tour-show', 'play']) {
      if (played) break;
      const button = await frame.$(`${byTestId(id)}:not([disabled])`);
      if (button) {
        await button.click();
        played = await moves(6000);
      }
    }
    assert.ok(played, `${what} plays`);
  }
  return frame;
}

test('every chapter of the guide opens, and its live runs render, play and fit at 1440 and 390 px', async () => {
  const site = await serve({ headers: { 'content-security-policy': STRICT_CSP } });
  const b = await launch({ viewport: { width: 1440, height: 900 } });
  try {
    const pages = await chapters();
    assert.ok(pages.length >= 12, `${pages}`);
    let runs = 0;
    // Every chapter at desktop width; on a phone, those with runs.
    const withRuns = [];
    for (const width of [1440, 390]) {
      await b.page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      for (const p of width > 500 ? pages : withRuns) {
        await b.page.goto(`${site.url}book/${p}`);
        await b.page.waitForSelector('#mdbook-content h1, main h1');
        const embeds = await b.page.$$('consensus-lab');
        if (width > 500 && embeds.length) withRuns.push(p);
        for (const [i, el] of embeds.entries()) {
          await el.scrollIntoViewIfNeeded();
          const iframe = await until(() => el.$('iframe[src]'), { what: `${p} run ${i + 1} to get its frame` });
          await live(iframe, `${p} run ${i + 1} at ${width} px`);
          runs += 1;
        }
        assert.deepEqual(b.problems, [], `${p} at ${width} px`);
      }
    }
    assert.ok(runs >= 16, `${runs} live runs`);
  } finally {
    await b.browser.close();
    await site.close();
  }
});

test('runs below the fold load only when scrolled to, and follow the book into its dark theme', async () => {
  const site = await serve({ headers: { 'content-security-policy': STRICT_CSP } });
  const b = await launch({ viewport: { width: 1440, height: 900 } });
  try {
    await b.page.goto(`${site.url}book/raft.html`);
    const els = await b.page.$$('consensus-lab');
    assert.equal(els.length, 3);
    const first = await until(() => els[0].$('iframe[src]'), { what: 'the first run to load' });
    await live(first, 'the first run');
    // Far below: still the element's own frame without a run (or its fallback link).
    const below = await els[2].evaluate((e) => e.getBoundingClientRect().top);
    assert.ok(below > 1800, `the third run is at ${below} px`);
    assert.equal(await els[2].$('iframe[src]'), null, 'not loaded before it is scrolled to');
    assert.equal(site.requests.filter((r) => r.includes('raft-figure-8')).length, 0);
    await els[2].scrollIntoViewIfNeeded();
    const third = await until(() => els[2].$('iframe[src]'), { what: 'the third run to load' });
    await live(third, 'the third run');
    const theme = async (f) => (await f.contentFrame()).evaluate(() => document.documentElement.dataset.theme ?? 'auto');
    assert.equal(await theme(third), 'light');
    // mdBook's theme menu puts the theme's class on the root: coal is dark.
    await b.page.evaluate(() => {
      const root = document.documentElement;
      root.classList.remove('light');
      root.classList.add('coal');
    });
    await until(async () => (await theme(third)) === 'dark' && (await theme(first)) === 'dark', {
      what: 'the runs to turn dark',
    });
    const bg = await (await third.contentFrame()).evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(17, 19, 22)');
    await screenshot(b.page, 'book-dark');
    assert.deepEqual(b.problems, []);
  } finally {
    await b.browser.close();
    await site.close();
  }
});

test('a page of another origin embeds two runs with embed.js alone, under a strict CSP', async () => {
  const lab = await serve({ base: '/lab/' });
  const spacer = '<pre>' + '\n'.repeat(150) + '</pre>';
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Docs</title>
<script src="${lab.url}embed.js" defer></script></head><body>
<h1>Two runs</h1>
<consensus-lab protocol="raft" seed="1" speed="6" title="Raft elects a leader"><a href="${lab.url}">Open</a></consensus-lab>
${spacer}
<consensus-lab id="far" src="${lab.url}?p=2pc&n=4&seed=1&embed=1&autoplay=1&speed=6&a=6.125000.c1" title="2PC blocking"></consensus-lab>
</body></html>`;
  const csp = `default-src 'self'; script-src 'self' ${lab.origin}; frame-src ${lab.origin}; style-src 'self'; img-src 'self'`;
  const docs = await serve({ base: '/nothing/', headers: { 'content-security-policy': csp }, pages: { '/docs/': html, '/favicon.ico': '' } });
  const b = await launch({ viewport: { width: 900, height: 800 } });
  try {
    await b.page.goto(`${docs.origin}/docs/`);
    const els = await b.page.$$('consensus-lab');
    const near = await until(() => els[0].$('iframe[src]'), { what: 'the first element to load' });
    assert.match(await near.getAttribute('src'), /protocol=raft&seed=1&speed=6&embed=1&autoplay=1/);
    assert.equal(await near.getAttribute('title'), 'Raft elects a leader');
    await live(near, 'the first element');
    assert.equal(await els[1].$('iframe[src]'), null, 'the far one waits');
    const far = await live(await (async () => {
      await els[1].scrollIntoViewIfNeeded();
      return until(() => els[1].$('iframe[src]'), { what: 'the far element to load' });
    })(), 'the far element');
    await until(async () => (await far.$$eval('[data-testid^="node-"]', (n) => n.filter((e) => e.dataset.state?.includes('blocked')).length)) === 3, {
      what: '2PC to block',
      timeout: 30000,
    });
    // The host turns dark by declaring it.
    await b.page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
    await until(() => far.evaluate(() => document.documentElement.dataset.theme === 'dark'), { what: 'the far run to turn dark' });
    await screenshot(b.page, 'embed-js-host');
    assert.deepEqual(b.problems, []);
  } finally {
    await b.browser.close();
    await lab.close();
    await docs.close();
  }
});

test('Copy embed code gives four forms, and each one works once pasted', async () => {
  const lab = await serve({ base: '/lab/' });
  const b = await launch({ viewport: { width: 1280, height: 900 } });
  try {
    await b.page.goto(`${lab.url}?p=raft&seed=3&t=1s`);
    await b.page.waitForSelector(byTestId('clock'));
    // The page links to the guide beside it.
    const guide = await b.page.getAttribute(byTestId('guide'), 'href');
    assert.equal(new URL(guide, b.page.url()).href, `${lab.url}book/`);
    await b.page.click(byTestId('embed-code'));
    await b.page.click(byTestId('embed-controls')); // off
    await b.page.selectOption(byTestId('embed-theme'), 'dark');
    await b.page.fill(byTestId('embed-title'), 'Raft at one second');
    await b.page.press(byTestId('embed-title'), 'Tab');
    const form = async (id) => b.page.inputValue(byTestId(`embed-code-${id}`));
    await until(async () => (await form('iframe')).includes('Raft at one second'), { what: 'the title in the code' });
    const [iframe, element, mdbook, mdx] = [await form('iframe'), await form('element'), await form('mdbook'), await form('mdx')];
    for (const code of [iframe, element, mdx]) {
      assert.match(code, /protocol=raft&amp;seed=3&amp;t=1s/);
      assert.match(code, /controls=0&amp;autoplay=1&amp;theme=dark/);
    }
    assert.match(element, new RegExp(`^<script src="${lab.url}embed.js" defer></script>\n<consensus-lab `));
    assert.match(mdbook, /^```consensus-lab\nlink: protocol=raft&seed=3&t=1s&ev=\d+\ntitle: Raft at one second\ncontrols: off\nautoplay: on\ntheme: dark\n```\n$/);
    // The live preview plays what the code gives.
    await screenshot(b.page, 'embed-code-dialog');
    const preview = await b.page.$(byTestId('embed-preview'));
    assert.match(await preview.getAttribute('src'), /controls=0&autoplay=1&theme=dark/);
    // Each form pasted into a page of another origin.
    const pages = { '/iframe/': iframe, '/element/': element, '/mdx/': `<script src="${lab.url}embed.js" defer></script>\n${mdx}` };
    for (const [path, body] of Object.entries(pages)) {
      const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>paste</title></head><body>${body}</body></html>`;
      const other = await serve({ base: '/nothing/', pages: { [path]: html, '/favicon.ico': '' } });
      try {
        await b.page.goto(`${other.origin}${path}`);
        const f = await until(() => b.page.$('iframe[src]'), { what: `${path} frame` });
        assert.equal(await f.getAttribute('title'), 'Raft at one second');
        const frame = await until(() => f.contentFrame(), { what: `${path} to load` });
        await frame.waitForSelector(byTestId('cluster'), { timeout: 20000 });
        assert.equal(await frame.$(byTestId('play')), null, `${path}: controls=0 hides the controls`);
        assert.equal(await frame.evaluate(() => document.documentElement.dataset.theme), 'dark');
        if (path !== '/iframe/') await until(() => fits(f), { what: `${path} to fit` });
      } finally {
        await other.close();
      }
    }
    assert.deepEqual(b.problems, []);
  } finally {
    await b.browser.close();
    await lab.close();
  }
});
