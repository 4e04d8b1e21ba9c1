// Guided tours and compare mode in the page: every tour walked to its end with Next (each
// chapter's index, its checks, and violations exactly where the story says; ring-rebalance is
// told on the ring page, whose chapters carry the same test ids and data-checks), a "try it
// yourself" chapter done by hand, tour and compare links, the embed's strip, and screenshots
// at three sizes, light and dark.
// Links name chapters from 1, as the panel's "2 / 5" does: `?tour=raft-election&ch=2` opens
// the second chapter (data-index 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, until, screenshot } from './harness.mjs';

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

/** The chapter element's data attributes. */
const chapter = (page) =>
  page.$eval(byTestId('tour-chapter'), (e) => ({ ...e.dataset, title: e.querySelector('h3').textContent }));

/** How many `violation` elements are inside `scope` (a selector), or on the page. */
const violations = (page, scope) =>
  page.$$eval(scope ? `${scope} ${byTestId('violation')}` : byTestId('violation'), (els) => els.length);

async function waitIndex(page, index) {
  // A tour told on the ring page loads that page (and a lab tour chosen there loads the lab):
  // the chapter may be missing while the next page loads.
  await until(async () => (await chapter(page).catch(() => ({}))).index === String(index), { what: `chapter ${index}` });
}

/** Checks the chapter shown against its story; returns its attributes. */
async function checkChapter(page, id, i, count) {
  const c = await chapter(page);
  const where = `${id} chapter ${i + 1} "${c.title}"`;
  assert.equal(c.index, String(i), where);
  assert.equal(c.count, String(count), where);
  assert.equal(c.checks, 'pass', `${where}: the story's checks`);
  const compare = (await page.$$(byTestId('compare-left'))).length > 0;
  const sides = compare
    ? [
        [c.expectViolation, byTestId('compare-left'), 'left'],
        [c.expectRightViolation, byTestId('compare-right'), 'right'],
      ]
    : [[c.expectViolation, null, 'page']];
  for (const [want, scope, side] of sides) {
    if (want === '') continue;
    const n = await violations(page, scope);
    assert.equal(n > 0, want === '1', `${where}: ${side} violation shown ${n > 0}, story says ${want}`);
  }
  return c;
}

test('every tour in the menu walks to its end with Next, its checks and violations as the story says', async () => {
  const app = await open('', { viewport: SIZES.desktop });
  const { page } = app;
  try {
    const ids = await page.$$eval(`${byTestId('tours')} [data-tour]`, (els) => els.map((e) => e.dataset.tour));
    assert.ok(ids.length >= 20, `the menu lists the tours (${ids.length})`);
    let tasks = 0;
    for (const id of ids) {
      await page.click(`${byTestId('tours')} > summary`);
      await page.click(`${byTestId('tours')} [data-tour="${id}"]`);
      await waitIndex(page, 0);
      await until(async () => (await page.$$(`${byTestId('tours')}[open]`)).length === 0, { what: 'menu closed' });
      const count = Number((await chapter(page)).count);
      for (let i = 0; i < count; i++) {
        if ((await chapter(page)).stage === 'task') {
          // Next on a task chapter is "Show me": the story does it, and the chapter ends.
          tasks++;
          await page.click(byTestId('tour-next'));
          await until(async () => (await chapter(page)).stage === 'done', { what: `${id} task shown` });
        }
        await checkChapter(page, id, i, count);
        if (i + 1 < count) {
          await page.click(byTestId('tour-next'));
          await waitIndex(page, i + 1);
        }
      }
      assert.ok(await page.isDisabled(byTestId('tour-next')), `${id}: Next ends at the last chapter`);
    }
    assert.ok(tasks > 0, 'some chapters are tasks');
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test('a try-it-yourself chapter done by hand says it worked; a wrong move leaves the script and Back returns', async () => {
  const app = await open('tour=raft-leader-crash', { viewport: SIZES.desktop });
  const { page } = app;
  try {
    while ((await chapter(page)).stage !== 'task') {
      const i = Number((await chapter(page)).index);
      await page.click(byTestId('tour-next'));
      await waitIndex(page, i + 1);
    }
    const task = await page.textContent(byTestId('tour-task'));
    assert.match(task, /crash the leader/);
    const k = (await chapter(page)).index;
    // A wrong move first: crash a follower.
    const follower = await page.$eval('[data-testid^="node-"][data-role="follower"]', (e) => e.dataset.testid);
    await page.click(byTestId(follower));
    await page.click(byTestId('crash'));
    await until(async () => (await chapter(page)).stage === 'off', { what: 'off script' });
    assert.match(await page.textContent(byTestId('tour-off')), /asks you to crash the leader/);
    await page.click(byTestId('tour-back'));
    await until(async () => (await chapter(page)).stage === 'task', { what: 'back at the task' });
    assert.equal((await chapter(page)).index, k);
    // Now as asked: click the leader, then Crash.
    const leader = await page.$eval('[data-testid^="node-"][data-role="leader"]', (e) => e.dataset.testid);
    await page.click(byTestId(leader));
    await page.click(byTestId('crash'));
    await until(async () => (await chapter(page)).stage === 'done', { what: 'task done' });
    assert.match(await page.textContent(byTestId('tour-result')), /^It worked/);
    // The run plays on by itself and pauses at the chapter's end; the story goes on.
    await until(async () => (await page.getAttribute(byTestId('play'), 'aria-pressed')) === 'false', {
      what: 'paused at the chapter',
      timeout: 60000,
    });
    assert.equal((await chapter(page)).stage, 'done');
    await checkChapter(page, 'raft-leader-crash', Number(k), Number((await chapter(page)).count));
    // By hand or by "Show me", the chapter pauses at the very same moment of the same run.
    const moment = () => page.$eval(byTestId('clock'), (e) => [e.dataset.us, e.dataset.events]);
    const byHand = await moment();
    const hash = await page.textContent(byTestId('trace-hash'));
    await page.click(byTestId('tour-prev'));
    await waitIndex(page, Number(k) - 1);
    await page.click(byTestId('tour-next'));
    await until(async () => (await chapter(page)).stage === 'task', { what: 'the task again' });
    await page.click(byTestId('tour-next'));
    await until(async () => (await chapter(page)).stage === 'done', { what: 'shown' });
    assert.deepEqual(await moment(), byHand);
    assert.equal(await page.textContent(byTestId('trace-hash')), hash);
    await page.click(byTestId('tour-next'));
    await waitIndex(page, Number(k) + 1);
    assert.equal((await chapter(page)).checks, 'pass');
    // Playing past a chapter's pause leaves the script too, without locking anything.
    await page.click(byTestId('play'));
    await until(async () => (await chapter(page)).stage === 'off', { what: 'played past' });
    await page.click(byTestId('play'));
    await page.click(byTestId('tour-back'));
    await until(async () => (await chapter(page)).stage !== 'off', { what: 'back' });
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test('tour links: ch counts from 1, Copy link keeps the chapter, bad ids and chapters give a notice', async () => {
  const app = await open('tour=raft-election&ch=2', { viewport: SIZES.desktop });
  const { page } = app;
  try {
    const c = await chapter(page);
    assert.equal(c.index, '1');
    assert.equal(await page.textContent(byTestId('tour-progress')), `2 / ${c.count}`);
    await page.click(byTestId('tour-next'));
    await waitIndex(page, 2);
    await page.click(byTestId('tour-link'));
    const link = await page.inputValue(byTestId('share-link'));
    assert.match(link, /[?&]tour=raft-election&ch=3$/);
    await page.goto(link);
    await waitIndex(page, 2);
    await page.goto(`${app.site.url}?tour=no-such-tour`);
    await page.waitForSelector(byTestId('clock'));
    assert.match(await page.textContent(byTestId('notice')), /unknown tour 'no-such-tour'/);
    assert.equal((await page.$$(byTestId('tour-panel'))).length, 0, 'a normal page');
    await page.goto(`${app.site.url}?tour=raft-election&ch=99`);
    await waitIndex(page, 0);
    assert.match(await page.textContent(byTestId('notice')), /ignored ch=99/);
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test("a tour's text is fetched when it opens; a bad or missing file is a notice, not a broken page", async () => {
  const app = await open('', {
    viewport: SIZES.desktop,
    serve: { pages: { '/lab/tours/raft-replication.txt': '<html>moved</html>' } },
  });
  const { page, site } = app;
  try {
    const texts = () => site.requests.filter((r) => r.includes('/tours/'));
    assert.deepEqual(texts(), [], 'no tour text before a tour opens');
    await page.click(`${byTestId('tours')} > summary`);
    await page.click(`${byTestId('tours')} [data-tour="raft-election"]`);
    await waitIndex(page, 0);
    assert.deepEqual(texts(), ['/lab/tours/raft-election.txt']);
    await page.goto(`${site.url}?tour=raft-replication`);
    await page.waitForSelector(byTestId('notice'));
    assert.match(await page.textContent(byTestId('notice')), /the tour 'raft-replication' does not read: line 1/);
    assert.equal((await page.$$(byTestId('tour-panel'))).length, 0, 'no panel for a tour that did not read');
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test('a compare link shows both runs, each with its label, and where they first differ', async () => {
  const app = await open('protocol=raft&seed=3&cmp=prevote:on&t=2s', { viewport: SIZES.desktop });
  const { page } = app;
  try {
    await page.waitForSelector(`${byTestId('compare-left')} ${byTestId('cluster')}`);
    await page.waitForSelector(`${byTestId('compare-right')} ${byTestId('cluster')}`);
    assert.match(await page.textContent(`${byTestId('compare-left')} .compare-label`), /prevote off/);
    assert.match(await page.textContent(`${byTestId('compare-right')} .compare-label`), /prevote on/);
    const d = await page.waitForSelector(byTestId('divergence'));
    assert.ok(Number(await d.getAttribute('data-event')) > 0);
    // An action goes to both runs, and the copied link keeps the comparison.
    await page.click(byTestId('node-1'));
    await page.click(byTestId('crash'));
    await until(
      async () =>
        (await page.$$('[data-testid="compare-left"] [data-testid="node-1"][data-up="false"]')).length === 1 &&
        (await page.$$('[data-testid="compare-right"] [data-testid="node-1"][data-up="false"]')).length === 1,
      { what: 'S1 down on both sides' },
    );
    await page.click(byTestId('copy-link'));
    const link = await page.inputValue(byTestId('share-link'));
    assert.match(link, /cmp=prevote:on/);
    assert.match(link, /crash%20S1/);
    const bad = await open('protocol=raft&cmp=bug:nonsense', { viewport: SIZES.desktop });
    try {
      assert.match(await bad.page.textContent(byTestId('notice')), /ignored cmp=bug:nonsense/);
      assert.equal((await bad.page.$$(byTestId('compare-left'))).length, 0);
    } finally {
      await bad.close();
    }
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test('the embed with a tour shows the chapter text and Next', async () => {
  const app = await open('embed=1&tour=raft-election', { viewport: SIZES.embed });
  const { page } = app;
  try {
    const text = await page.textContent(`${byTestId('tour-panel')} .tour-text`);
    assert.ok(text.length > 40, text);
    assert.ok(await page.isVisible(byTestId('tour-next')));
    await page.click(byTestId('tour-next'));
    await waitIndex(page, 1);
    const href = await page.getAttribute(byTestId('open-full'), 'href');
    assert.match(href, /tour=raft-election&ch=2$/);
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

/** Text under 11 px inside the tour panel or the compare labels. */
const smallText = (page) =>
  page.$$eval('[data-testid="tour-panel"] *, .compare-label, .divergence', (els) =>
    els
      .filter((e) => e.offsetParent && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .map((e) => ({ text: e.textContent.slice(0, 30), px: parseFloat(getComputedStyle(e).fontSize) }))
      .filter((t) => t.px < 11),
  );

test('screenshots: a tour chapter and a compare view at 1440x900, the 640x400 embed and a 390x844 phone, light and dark', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    for (const [name, q] of [
      ['chapter', `tour=raft-election&ch=3${embed}`],
      ['compare', `tour=raft-figure-8&ch=99${embed}`],
    ]) {
      const app = await open(q, { viewport });
      try {
        const { page } = app;
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          if (name === 'compare') {
            // The last chapter: the buggy run has broken safety, the correct one has not.
            const count = Number((await chapter(page)).count);
            if ((await chapter(page)).index !== String(count - 1)) {
              await page.goto(`${app.site.url}?tour=raft-figure-8&ch=${count}${embed}`);
              await waitIndex(page, count - 1);
            }
            await page.waitForSelector(byTestId('compare-right'));
          }
          await page.click('body', { position: { x: 1, y: 1 } }).catch(() => {});
          assert.deepEqual(await smallText(page), [], `${name} ${size} ${scheme}: text under 11 px`);
          // The panel's text is not covered by anything else.
          const panel = await page.$eval(byTestId('tour-panel'), (e) => {
            const b = e.getBoundingClientRect();
            const x = b.x + Math.min(40, b.width / 2);
            const y = b.y + Math.min(30, b.height / 2);
            return e.contains(document.elementFromPoint(x, y));
          });
          assert.ok(panel, `${name} ${size} ${scheme}: the tour panel is on top`);
          await screenshot(page, `tour-${name}-${size}-${scheme}`);
        }
        assert.deepEqual(app.problems, []);
      } finally {
        await app.close();
      }
    }
  }
});
