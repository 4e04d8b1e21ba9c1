// The first ten minutes (issue 21): what a new user meets first. The ring page's styles stay
// on the ring page; commit protocols show their outcome on the nodes; each protocol has its
// own legend, with requests and replies told apart; a first visit gets a first step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, until, screenshot } from './harness.mjs';

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

const openLegend = async (page) => {
  if ((await page.getAttribute(byTestId('legend'), 'open')) === null) {
    await page.click(`${byTestId('legend')} summary`);
  }
};

/** Computed styles of the log strips under the nodes and of the legend's swatches. */
const styles = (page) =>
  page.evaluate(() => {
    const st = (e) => getComputedStyle(e);
    const box = (sel) => {
      const e = document.querySelector(sel);
      if (!e) return null;
      const b = e.getBoundingClientRect();
      const s = st(e);
      return { w: b.width, h: b.height, radius: s.borderRadius, bg: s.backgroundColor, opacity: s.opacity };
    };
    return {
      strips: [...document.querySelectorAll('.node-under .log .cell')].map((g) => ({
        g: Number(st(g).opacity),
        rect: Number(st(g.querySelector('rect')).opacity),
        pending: g.classList.contains('pending'),
      })),
      ring: box('.legend .swatch.ring'),
      cell: box('.legend .swatch.cell:not(.pending)'),
      violation: box('.legend .swatch.bar.violation'),
    };
  });

test('the ring page styles stay there: log strips and legend swatches, all sizes, light and dark', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    const app = await open(`p=raft&seed=1&t=6s${embed}`, { viewport });
    try {
      const { page, problems } = app;
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await openLegend(page);
        const s = await styles(page);
        const where = `${size} ${scheme}`;
        if (size !== 'embed') {
          // The embed's small circles leave no room for strips.
          assert.ok(s.strips.some((c) => !c.pending), `${where}: committed cells drawn`);
        }
        for (const c of s.strips) {
          assert.equal(c.g, 1, `${where}: a log cell's group is not faded`);
          assert.equal(c.rect, c.pending ? 0.45 : 1, `${where}: committed solid, pending pale`);
        }
        assert.ok(s.ring && s.ring.w <= 16 && s.ring.h <= 16, `${where}: the timer swatch is a small ring (${JSON.stringify(s.ring)})`);
        assert.equal(Number(s.cell.opacity), 1, `${where}: the committed-cell swatch is solid`);
        if (s.violation) {
          assert.ok(s.violation.w <= 4, `${where}: the violation mark is a bar (${JSON.stringify(s.violation)})`);
          assert.equal(s.violation.radius, '0px', `${where}: not a pill`);
        }
        await screenshot(page, `first10-legend-${size}-${scheme}`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});
