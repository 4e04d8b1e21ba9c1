// The layout a first-time user meets (issue 21): in the 640x400 embed a tour strip and a
// violation leave the cluster a readable height; the way out covers neither the timeline nor,
// in a comparison, the nodes; at 1440x900 the timeline is on the first screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, until, screenshot } from './harness.mjs';

const EMBED = { width: 640, height: 400 };
const DESKTOP = { width: 1440, height: 900 };

const rect = (page, sel) => page.$eval(sel, (e) => e.getBoundingClientRect().toJSON());
const rects = (page, sel) => page.$$eval(sel, (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The rendered size, in CSS px, of every visible text on the nodes. */
const nodeTexts = (page) =>
  page.$$eval('.cluster .node text', (els) =>
    els
      .filter((e) => {
        const b = e.getBoundingClientRect();
        return b.width > 0 && b.height > 0 && e.textContent.trim() !== '';
      })
      .map((e) => ({ text: e.textContent, px: parseFloat(getComputedStyle(e).fontSize) * e.ownerSVGElement.getScreenCTM().a })),
  );

test('embed with a tour and a violation: the cluster keeps 45% of the frame and 11 px labels', async () => {
  const app = await open('tour=3pc-partition&ch=3&embed=1', { viewport: EMBED });
  try {
    const { page, problems } = app;
    await page.waitForSelector(byTestId('clock'));
    await page.click(byTestId('play'));
    await page.waitForSelector(byTestId('violation'), { timeout: 30000 });
    // Playing past the chapter's pause puts the "off script" note in the strip too.
    await page.waitForSelector(byTestId('tour-off'), { timeout: 30000 });
    await page.click(byTestId('play')).catch(() => {});
    await screenshot(page, 'embedfit-3pc-tour-violation');
    const cluster = await rect(page, `.stage ${byTestId('cluster')}`);
    assert.ok(cluster.height >= 0.45 * EMBED.height, `the cluster is ${cluster.height} px tall`);
    const texts = await nodeTexts(page);
    assert.ok(texts.length >= 4, 'the nodes carry their names');
    assert.deepEqual(texts.filter((t) => t.px < 10.99), [], 'node labels at least 11 px');
    // The violation is one line, whole on request.
    const folded = await rect(page, byTestId('violation'));
    assert.ok(folded.height <= 34, `the folded violation is ${folded.height} px tall`);
    assert.match(await page.textContent(byTestId('violation')), /Atomicity violated at .*committed/);
    // The way back from off script stays visible in its one line.
    assert.ok(await page.isVisible(byTestId('tour-back')), 'Back to the chapter shows');
    const off = await rect(page, byTestId('tour-off'));
    assert.ok(off.height <= 32, `the off-script note is ${off.height} px tall`);
    // Nothing in the strip overlaps: title, text, navigation, "more".
    const parts = await rects(page, `${byTestId('tour-panel')} h3, ${byTestId('tour-panel')} .tour-text, ${byTestId('tour-panel')} .tour-nav, ${byTestId('tour-more')}`);
    for (let i = 0; i < parts.length; i++) {
      for (let j = i + 1; j < parts.length; j++) {
        if (i === 0 && j === 1) continue; // the title and its text are one column
        assert.ok(!overlap(parts[i], parts[j]), `strip parts ${i} and ${j} overlap`);
      }
    }
    await page.click(byTestId('violation-open'), { position: { x: 4, y: 8 } });
    assert.equal(await page.getAttribute(byTestId('violation'), 'open'), '');
    const opened = await rect(page, byTestId('violation'));
    assert.ok(opened.height > folded.height, 'opened, the violation shows its whole text');
    await screenshot(page, 'embedfit-3pc-violation-open');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('embed: "open in Consensus Lab" covers neither the slider nor, in compare, the nodes', async () => {
  for (const q of ['p=raft&seed=1&t=0.688s&embed=1', 'p=raft&seed=1&t=2s&cmp=prevote:on&embed=1']) {
    const app = await open(q, { viewport: EMBED });
    try {
      const { page, problems } = app;
      const link = await rect(page, byTestId('open-full'));
      for (const sel of ['.transport input[type=range]', '.transport .buttons']) {
        for (const r of await rects(page, sel)) assert.ok(!overlap(link, r), `${q}: the link covers ${sel}`);
      }
      assert.ok(link.y + link.height <= EMBED.height, `${q}: the link is inside the frame`);
      const buttons = await rects(page, `${byTestId('legend')} > summary, .log-grid.compact > summary`);
      assert.equal(buttons.length, 2, `${q}: "?" and "log grid"`);
      const nodes = await rects(page, '.cluster .node text, .cluster .node-under text');
      for (const b of buttons) {
        for (const n of nodes) assert.ok(!overlap(b, n), `${q}: a button covers a node's text ${JSON.stringify(n)}`);
      }
      await screenshot(page, q.includes('cmp') ? 'embedfit-compare' : 'embedfit-link');
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});

test('1440x900: the timeline slider is on the first screen, with and without the welcome card', async () => {
  // A bare first visit shows the welcome card; a link to a run does not.
  for (const [q, welcome] of [['', true], ['p=raft&seed=1&t=1s', false]]) {
    const app = await open(q, { viewport: DESKTOP });
    try {
      const { page, problems } = app;
      assert.equal(await page.isVisible(byTestId('welcome')), welcome, `${q}: the welcome card`);
      const slider = await rect(page, '.transport input[type=range]');
      assert.ok(slider.y + slider.height <= DESKTOP.height - 16, `${q}: the slider's bottom is at ${slider.y + slider.height}`);
      const transport = await rect(page, '.transport');
      assert.ok(transport.y + transport.height <= DESKTOP.height, `${q}: the transport ends at ${transport.y + transport.height}`);
      const cluster = await rect(page, `.stage ${byTestId('cluster')}`);
      assert.ok(cluster.height >= 500, `${q}: the cluster keeps most of its size (${cluster.height} px)`);
      await screenshot(page, `embedfit-desktop-first-screen${welcome ? '-welcome' : ''}`);
      if (welcome) {
        // Dismissed, the card gives its room back to the cluster.
        await page.click(byTestId('welcome-close'));
        const after = await rect(page, `.stage ${byTestId('cluster')}`);
        assert.ok(after.height > cluster.height, 'the cluster grows back');
        const s = await rect(page, '.transport input[type=range]');
        assert.ok(s.y + s.height <= DESKTOP.height - 16, `dismissed: the slider's bottom is at ${s.y + s.height}`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});
