// What a learner can read and follow: text never below 11 px at any size, labels that cover
// nothing, stale leaders told apart, links that keep the moment, the keyboard, the smart
// speed, the legend, Back after a change of configuration, the space-time diagram's zoom
// and export, presenter options. Screenshots of every protocol at three sizes, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { open, serve, launch, byTestId, clock, nodes, until, screenshot } from './harness.mjs';

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

const events = async (page) => Number(await page.getAttribute(byTestId('clock'), 'data-events'));

/** Every visible text of the cluster drawing with its rendered size in CSS px. */
async function clusterTexts(page) {
  return page.$$eval('.cluster text', (els) =>
    els
      .filter((e) => {
        const b = e.getBoundingClientRect();
        return b.width > 0 && b.height > 0 && e.textContent.trim() !== '' && getComputedStyle(e).display !== 'none';
      })
      .map((e) => {
        const svg = e.ownerSVGElement;
        const scale = svg.getScreenCTM().a;
        return { text: e.textContent, px: parseFloat(getComputedStyle(e).fontSize) * scale };
      }),
  );
}

async function assertLegible(page, where) {
  const texts = await clusterTexts(page);
  assert.ok(texts.length > 0, `${where}: some text`);
  const small = texts.filter((t) => t.px < 10.99);
  assert.deepEqual(small, [], `${where}: text below 11 px`);
  const html = await page.$$eval('.cluster-box .badge, .legend summary', (els) =>
    els.filter((e) => e.offsetParent).map((e) => ({ text: e.textContent, px: parseFloat(getComputedStyle(e).fontSize) })),
  );
  assert.deepEqual(html.filter((t) => t.px < 11), [], `${where}: overlay text below 11 px`);
}

const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const shrink = (r, d) => ({ x: r.x + d, y: r.y + d, width: r.width - 2 * d, height: r.height - 2 * d });

test('no cluster text renders below 11 px: 640x400 embed, 390x844 phone, 1440x900 with 9 nodes', async () => {
  const cases = [
    ['n=9&t=2s', SIZES.desktop, '1440x900, 9 nodes'],
    ['n=9&t=2s&embed=1', SIZES.embed, 'embed, 9 nodes'],
    ['t=2s&embed=1', SIZES.embed, 'embed, 5 nodes'],
    ['n=9&t=2s', SIZES.phone, 'phone, 9 nodes'],
    ['p=2pc&n=9&t=40ms', SIZES.phone, 'phone, 2PC 9 nodes'],
    ['p=paxos&n=3&t=1s&embed=1', SIZES.embed, 'embed, Paxos 3 nodes'],
  ];
  for (const [q, viewport, where] of cases) {
    const app = await open(q, { viewport });
    try {
      await assertLegible(app.page, where);
      assert.deepEqual(app.problems, [], where);
    } finally {
      await app.close();
    }
  }
});

test('Raft seed 1 at 0.688 s: no two message labels overlap and none covers a node', async () => {
  for (const viewport of [SIZES.desktop, SIZES.embed, SIZES.phone]) {
    const embed = viewport === SIZES.embed ? '&embed=1' : '';
    const app = await open(`p=raft&seed=1&t=0.688s${embed}`, { viewport });
    try {
      const { page } = app;
      const labels = await page.$$eval('.msg-label', (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
      const bodies = await page.$$eval('.node .body', (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
      const unders = await page.$$eval('.node-under text, .node-under rect', (els) =>
        els.map((e) => e.getBoundingClientRect().toJSON()),
      );
      if (viewport === SIZES.desktop) assert.ok(labels.length >= 2, `${labels.length} labels shown`);
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          assert.ok(!overlap(shrink(labels[i], 0.5), shrink(labels[j], 0.5)), `labels ${i} and ${j} overlap`);
        }
        for (const b of [...bodies, ...unders]) {
          assert.ok(!overlap(shrink(labels[i], 0.5), b), `label ${i} covers a node or its text`);
        }
      }
      await screenshot(page, `labels-raft-seed1-${viewport.width}x${viewport.height}`);
    } finally {
      await app.close();
    }
  }
});

test('a partitioned old leader is drawn stale; the real one is not', async () => {
  const app = await open('p=raft&seed=1&t=1s&speed=6');
  try {
    const { page, problems } = app;
    const old = (await nodes(page)).find((n) => n.role === 'leader');
    assert.ok(old, 'a leader at 1 s');
    await page.click(byTestId(`node-${old.id}`));
    await page.click(byTestId('isolate'));
    await page.click(byTestId('play'));
    await until(async () => (await nodes(page)).some((n) => n.id !== old.id && n.role === 'leader'), {
      what: 'a new leader',
      timeout: 30000,
    });
    await page.click(byTestId('play'));
    assert.equal(await page.getAttribute(byTestId(`node-${old.id}`), 'data-stale'), 'true');
    const fresh = (await nodes(page)).find((n) => n.id !== old.id && n.role === 'leader');
    assert.equal(await page.getAttribute(byTestId(`node-${fresh.id}`), 'data-stale'), null);
    assert.match(await page.getAttribute(byTestId(`node-${old.id}`), 'aria-label'), /stale leader/);
    await screenshot(page, 'stale-leader');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('a link copied at a moment opens at that moment, in that view, with that selection', async () => {
  const app = await open('p=raft&seed=4&t=1.2s');
  try {
    const { page, context, problems } = app;
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    for (let i = 0; i < 3; i++) await page.click(byTestId('step'));
    await page.click(byTestId('node-2'));
    await page.click(byTestId('crash'));
    for (let i = 0; i < 4; i++) await page.click(byTestId('step'));
    await page.click(byTestId('step-back'));
    await page.click(byTestId('view-spacetime'));
    const want = { clock: await clock(page), events: await events(page), hash: await page.textContent(byTestId('trace-hash')) };
    await page.click(byTestId('copy-link'));
    const link = await page.inputValue(byTestId('share-link'));
    assert.match(link, /[?&]t=/);
    assert.match(link, /view=spacetime/);
    assert.match(link, /sel=n2/);
    const other = await context.newPage();
    await other.goto(link);
    await other.waitForSelector(byTestId('clock'));
    assert.equal(await clock(other), want.clock);
    assert.equal(await events(other), want.events);
    assert.equal(await other.textContent(byTestId('trace-hash')), want.hash);
    assert.ok(await other.isVisible(byTestId('spacetime')), 'opens in the space-time view');
    assert.ok(await other.isVisible(byTestId('restart')), 'S2 (crashed) is selected in the inspector');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test("the embed's way out keeps the moment", async () => {
  const app = await open('p=raft&seed=2&t=1.5s&embed=1', { viewport: SIZES.embed });
  try {
    const href = await app.page.getAttribute(byTestId('open-full'), 'href');
    assert.match(href, /[?&]t=1500ms&/);
    assert.ok(!href.includes('embed=1'), 'opens the full lab');
  } finally {
    await app.close();
  }
});

test('keyboard: Enter or Space on a focused node selects it; Space plays only when no control has focus', async () => {
  const app = await open('t=1s');
  try {
    const { page, problems } = app;
    await page.focus(byTestId('node-3'));
    await page.keyboard.press('Enter');
    assert.ok(await page.isVisible(byTestId('crash')), 'the inspector shows S3');
    assert.match(await page.textContent(byTestId('inspector')), /S3|term/);
    const t0 = await clock(page);
    await page.focus(byTestId('node-4'));
    await page.keyboard.press(' ');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await clock(page), t0, 'space on a node selects, does not play');
    assert.equal(await page.getAttribute(byTestId('node-4'), 'aria-pressed'), 'true');
    const e0 = await events(page);
    await page.focus(byTestId('step'));
    await page.keyboard.press(' ');
    assert.equal(await events(page), e0 + 1, 'space pressed the focused Step button');
    assert.equal(await page.getAttribute(byTestId('play'), 'aria-pressed'), 'false', 'and did not play');
    const t1 = await clock(page);
    await page.evaluate(() => document.activeElement.blur());
    await page.keyboard.press(' ');
    await until(async () => (await clock(page)) > t1, { what: 'space with nothing focused to play' });
    await page.keyboard.press(' ');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('smart speed: a message flight lasts about a second; idle time runs fast; clicking a message pauses', async () => {
  const app = await open('p=raft&seed=1');
  try {
    const { page, problems } = app;
    assert.equal(await page.inputValue(byTestId('speed')), 'smart');
    const start = Date.now();
    await page.click(byTestId('play'));
    // The first election timeout (150-300 ms of virtual time) passes in well under a second.
    const first = await page.waitForSelector('[data-testid^="message-"]', { timeout: 5000 });
    assert.ok(Date.now() - start < 2500, `first message after ${Date.now() - start} ms`);
    const id = await first.getAttribute('data-testid');
    const seen = Date.now();
    await page.waitForSelector(byTestId(id), { state: 'detached', timeout: 10000 });
    const flight = Date.now() - seen;
    assert.ok(flight > 600, `a flight lasted ${flight} ms on screen`);
    // As a user does: press where a moving message is drawn, while it moves. The aim, the hit
    // test and the press happen in one task, so no frame can move the message in between (a
    // mouse click from here lands a frame or more late on a loaded machine, sometimes on a node).
    const pressed = await until(
      () =>
        page.evaluate(() => {
          for (const g of document.querySelectorAll('[data-testid^="message-"]')) {
            const dot = g.querySelector('circle:not(.hit)').getBoundingClientRect();
            const [x, y] = [dot.x + dot.width / 2, dot.y + dot.height / 2];
            const target = document.elementFromPoint(x, y);
            // Under a node (entering or leaving its rim) the press belongs to the node.
            if (!target || target.closest('[data-testid^="message-"]') !== g) continue;
            const init = { bubbles: true, cancelable: true, composed: true, clientX: x, clientY: y, button: 0, buttons: 1, pointerId: 1, isPrimary: true, pointerType: 'mouse' };
            target.dispatchEvent(new PointerEvent('pointerdown', init));
            target.dispatchEvent(new PointerEvent('pointerup', { ...init, buttons: 0 }));
            target.dispatchEvent(new MouseEvent('click', init));
            return g.dataset.testid;
          }
          return null;
        }),
      { what: 'a message in the open to press', timeout: 10000, every: 20 },
    );
    await until(async () => (await page.getAttribute(byTestId('play'), 'aria-pressed')) === 'false', { what: `pressing ${pressed} to pause` });
    assert.ok(await page.isVisible(byTestId('drop')), 'the message is selected');
    assert.match(await page.getAttribute(byTestId(pressed), 'class'), /\bselected\b/, `${pressed} is the one selected`);
    await page.selectOption(byTestId('speed'), { label: '1×' });
    assert.equal(await page.inputValue(byTestId('speed')), '6');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('changing the configuration is a history entry: Back returns to the run with its actions', async () => {
  const app = await open('p=raft&seed=3&t=1s');
  try {
    const { page, problems } = app;
    await page.click(byTestId('node-2'));
    await page.click(byTestId('crash'));
    await page.selectOption(byTestId('cluster-size'), '7');
    assert.equal((await nodes(page)).length, 7);
    await page.goBack();
    await until(async () => (await nodes(page)).length === 5, { what: 'Back to 5 nodes' });
    assert.equal((await nodes(page)).find((n) => n.id === 2).up, false, 'the crash is back too');
    await page.goForward();
    await until(async () => (await nodes(page)).length === 7, { what: 'Forward to 7 nodes' });
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('the partition editor shows the groups in effect, also after Heal', async () => {
  const app = await open('p=raft&seed=1&t=1s');
  try {
    const { page, problems } = app;
    await page.click(byTestId('group-1'));
    await page.click(byTestId('group-2'));
    await page.click(byTestId('partition'));
    assert.match(await page.textContent(byTestId('group-1')), /B/);
    await page.click(byTestId('heal'));
    for (const id of [1, 2, 3, 4, 5]) assert.match(await page.textContent(byTestId(`group-${id}`)), /A/);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('legend, why-it-matters lines and badges for active variants', async () => {
  const app = await open('p=raft&seed=1&t=1s&bug=raft-commit-old-term&opt=prevote');
  try {
    const { page, problems } = app;
    await page.click(`${byTestId('legend')} summary`);
    assert.match(await page.textContent(byTestId('legend')), /stale leader/);
    const about = await page.$$eval('.invariants .about', (els) => els.filter((e) => e.offsetParent).length);
    const all = await page.$$eval('.invariants li', (els) => els.length);
    assert.equal(about, all, 'every invariant says why it matters');
    const badges = await page.textContent(byTestId('badges'));
    assert.match(badges, /raft-commit-old-term/);
    assert.match(badges, /prevote/);
    await page.click('.settings .more summary');
    assert.match(await page.textContent(byTestId('bugs')), /Figure 8/);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
  const embed = await open('t=1s&embed=1', { viewport: SIZES.embed });
  try {
    await embed.page.click(`${byTestId('legend')} summary`);
    assert.ok(await embed.page.isVisible('.legend-body'));
    await screenshot(embed.page, 'embed-legend');
  } finally {
    await embed.close();
  }
});

test('space-time: the whole run, zoom, round ticks, labels when zoomed, and an SVG coloured on its own', async () => {
  const app = await open('p=raft&seed=1&t=2s&view=spacetime');
  try {
    const { page, problems, context } = app;
    assert.ok(await page.isVisible(byTestId('spacetime')));
    await page.click(byTestId('st-whole'));
    assert.match(await page.textContent(byTestId('st-span')), /^0 – 2s$/);
    const ticks = await page.$$eval('.spacetime .tick text', (els) => els.map((e) => e.textContent));
    assert.ok(ticks.length >= 3, ticks.join());
    for (const t of ticks) assert.match(t, /^(0|\d+(ms|s|us))$/, `round tick ${t}`);
    await page.click(byTestId('st-zoom-in'));
    for (let i = 0; i < 6; i++) await page.click(byTestId('st-zoom-in'));
    assert.ok((await page.$$('.spacetime .arrow-label.shown')).length > 0, 'labels at zoom');
    await page.click(byTestId('st-zoom-out'));
    await page.click(byTestId('st-zoom-out'));
    await page.mouse.move(0, 0);
    const before = await page.textContent(byTestId('st-span'));
    await page.hover(byTestId('spacetime'));
    await page.mouse.wheel(0, -300);
    await until(async () => (await page.textContent(byTestId('st-span'))) !== before, { what: 'the wheel to scroll back' });
    assert.equal(await page.getAttribute(byTestId('st-follow'), 'aria-pressed'), 'false');
    await screenshot(page, 'spacetime-zoomed');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(byTestId('export-svg'))]);
    const svg = await readFile(await download.path(), 'utf8');
    const alone = await context.newPage();
    await alone.setContent(svg);
    const strokes = await alone.$$eval('.msg line', (els) => els.map((e) => getComputedStyle(e).stroke));
    assert.ok(strokes.length > 0);
    const coloured = strokes.filter((s) => {
      const [r, g, b] = s.match(/\d+/g).map(Number);
      return Math.max(r, g, b) - Math.min(r, g, b) > 60;
    });
    assert.ok(coloured.length > strokes.length / 2, `coloured arrows: ${coloured.length}/${strokes.length}`);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('presenter options: big=1 hides the side panels; embed controls=0 hides the controls; loop restarts', async () => {
  const big = await open('t=1s&big=1');
  try {
    assert.ok(!(await big.page.isVisible(byTestId('event-log'))));
    assert.ok(await big.page.isVisible(byTestId('cluster')));
    await screenshot(big.page, 'presenter-big');
  } finally {
    await big.close();
  }
  // No controls means no clock to wait for: wait for the cluster instead.
  const site = await serve();
  const bare = await launch({ viewport: SIZES.embed });
  try {
    await bare.page.goto(`${site.url}?t=1s&embed=1&controls=0`);
    await bare.page.waitForSelector(byTestId('cluster'));
    assert.equal(await bare.page.locator(byTestId('play')).count(), 0);
    await screenshot(bare.page, 'embed-no-controls');
    assert.deepEqual(bare.problems, []);
  } finally {
    await bare.browser.close();
    await site.close();
  }
  const looping = await open('embed=1&autoplay=1&speed=7&loop=400ms', { viewport: SIZES.embed });
  try {
    const { page, problems } = looping;
    let highest = 0;
    let restarted = false;
    await until(
      async () => {
        const t = await clock(page);
        restarted ||= t < highest;
        highest = Math.max(highest, t);
        return restarted;
      },
      { what: 'the loop to restart at 400 ms', every: 20 },
    );
    // One frame at 4x moves at most 400 ms past the loop point.
    assert.ok(highest <= 800000, `ran to ${highest} us`);
    assert.deepEqual(problems, []);
  } finally {
    await looping.close();
  }
});

test('phone: tapping a node opens the inspector as a sheet on screen', async () => {
  const app = await open('t=1s', { viewport: SIZES.phone });
  try {
    const { page, problems } = app;
    await page.click(byTestId('node-1'));
    const box = await page.locator(byTestId('inspector')).boundingBox();
    assert.ok(box.y >= 0 && box.y + 40 < SIZES.phone.height, `sheet at ${box.y}`);
    await screenshot(page, 'phone-sheet');
    await page.click(byTestId('inspector-close'));
    assert.equal(await page.locator('.inspector.open').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('screenshots: every protocol at 1440x900, in the 640x400 embed and on a phone, light and dark', async () => {
  const runs = [
    ['raft', 'p=raft&seed=1&t=0.688s'],
    ['raft-9', 'p=raft&n=9&seed=2&t=3s'],
    // The README's picture: S1 and S2 (the leader) cut off at 1 s; the majority elects anew.
    ['raft-partition', 'p=raft&seed=1&a=242.1000000.p1.2-3.4.5&t=1.8s'],
    ['paxos', 'p=paxos&seed=1&t=0.3s'],
    ['paxos-bug', 'p=paxos&seed=1&bug=paxos-accept-below-promise&t=0.3s'],
    ['multi-paxos', 'p=multi-paxos&seed=1&t=1.5s'],
    ['2pc', 'p=2pc&seed=1&t=30ms'],
  ];
  for (const [name, q] of runs) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      const embed = size === 'embed' ? '&embed=1' : '';
      const app = await open(q + embed, { viewport });
      try {
        for (const scheme of ['light', 'dark']) {
          await app.page.emulateMedia({ colorScheme: scheme });
          await screenshot(app.page, `look-${name}-${size}-${scheme}`);
        }
        await assertLegible(app.page, `${name} ${size}`);
        assert.deepEqual(app.problems, [], `${name} ${size}`);
      } finally {
        await app.close();
      }
    }
  }
});
