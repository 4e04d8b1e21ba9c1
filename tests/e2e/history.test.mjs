// The History view: a Jepsen history file imported, checked and drawn without a cluster (one
// linearizable, one not, one malformed), readable at every size in light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, open, byTestId, until, screenshot } from './harness.mjs';

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

const DATA = join(ROOT, 'crates/engine/tests/data/lin');
const file = async (name) => ({ name, mimeType: 'text/plain', buffer: await readFile(join(DATA, name)) });

/** Imports `f` into the History view and waits for its verdict. */
async function importHistory(page, f) {
  await page.locator(byTestId('history-import')).setInputFiles(f);
  await until(async () => (await page.$(byTestId('history-verdict'))) !== null, { what: 'the History view' });
  await until(async () => (await page.getAttribute(byTestId('history-verdict'), 'data-verdict')) !== 'unknown', {
    what: 'a verdict',
  });
}

/** Every operation bar's data attributes. */
const ops = (page) =>
  page.$$eval('[data-testid^="history-op-"]', (els) =>
    els.map((e) => ({ id: e.dataset.testid, client: e.dataset.client, result: e.dataset.result, role: e.dataset.role })),
  );

/** Text in the History view rendered below 11 px, and bar labels that overlap another. */
async function unreadable(page) {
  return page.$$eval('.history text, .history p, .history li, .history span, .history button, .history h3, .history .client-name', (els) => {
    const shown = els.filter((e) => {
      const b = e.getBoundingClientRect();
      return b.width > 0 && b.height > 0 && e.textContent.trim() !== '';
    });
    const small = shown
      .map((e) => {
        const svg = e.ownerSVGElement;
        const scale = svg ? svg.getScreenCTM().a : 1;
        return { text: e.textContent.trim().slice(0, 30), px: parseFloat(getComputedStyle(e).fontSize) * scale };
      })
      .filter((t) => t.px < 10.99);
    // What the scroller clips is not on screen: only the visible part of a label counts.
    const clip = (e, r) => {
      const s = e.closest('.history-scroll');
      if (!s) return r;
      const c = s.getBoundingClientRect();
      const x = Math.max(r.x, c.x);
      const right = Math.min(r.right, c.right);
      return { x, y: r.y, width: Math.max(0, right - x), height: r.height };
    };
    const boxes = [...document.querySelectorAll('.history .op text, .history .note text, .history .client-name')]
      .map((e) => ({ text: e.textContent, r: clip(e, e.getBoundingClientRect()) }))
      .filter((b) => b.r.width > 0);
    const overlaps = [];
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i].r, boxes[j].r];
        if (a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1) {
          overlaps.push([boxes[i].text, boxes[j].text]);
        }
      }
    }
    // Each bar's label stays inside its bar.
    const spill = [...document.querySelectorAll('.history .op')]
      .filter((g) => !g.classList.contains('open'))
      .map((g) => ({ t: g.querySelector('text'), r: g.querySelector('rect') }))
      .filter(({ t, r }) => t.getBoundingClientRect().right > r.getBoundingClientRect().right + 0.5)
      .map(({ t }) => t.textContent);
    return { small, overlaps, spill };
  });
}

test('an imported linearizable history draws its bars and its verdict', async () => {
  const app = await open('p=raft&seed=1', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    const before = await page.getAttribute(byTestId('clock'), 'data-events');
    await importHistory(page, await file('register.log'));
    assert.equal(await page.getAttribute(byTestId('history-verdict'), 'data-verdict'), 'linearizable');
    const bars = await ops(page);
    assert.ok(bars.length >= 5, `${bars.length} operations`);
    assert.ok(bars.every((b) => /^process \d+$/.test(b.client)), JSON.stringify(bars));
    assert.ok(bars.some((b) => b.result === 'ok') && bars.some((b) => b.result === 'info'), JSON.stringify(bars));
    assert.ok(bars.filter((b) => b.role === 'placed').length >= 3);
    // Hover shows where it takes effect, with the value before and after.
    const placed = bars.find((b) => b.role === 'placed');
    await page.hover(`${byTestId(placed.id)} rect`);
    await until(async () => /takes effect 1st|takes effect \d+\w\w on/.test(await page.textContent(byTestId('history-detail'))), {
      what: 'the details of the hovered operation',
    });
    // The run was not touched.
    assert.equal(await page.getAttribute(byTestId('clock'), 'data-events'), before);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('an imported stale read is not linearizable, with the stuck read and the sentence', async () => {
  const app = await open('p=raft&seed=1', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    await importHistory(page, await file('stale-read.edn'));
    assert.equal(await page.getAttribute(byTestId('history-verdict'), 'data-verdict'), 'not-linearizable');
    const status = await page.textContent(byTestId('history-status'));
    assert.match(status, /process 2's read of x returned 1/);
    const bars = await ops(page);
    const stuck = bars.filter((b) => b.role === 'stuck');
    assert.equal(stuck.length, 1, JSON.stringify(bars));
    assert.equal(stuck[0].client, 'process 2');
    await page.click(`${byTestId(stuck[0].id)} rect`);
    assert.match(await page.textContent(byTestId('history-detail')), /cannot be placed: .* x holds 2/);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('a malformed history file is refused with its line, and the view keeps what it had', async () => {
  const app = await open('p=raft&seed=1', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    await importHistory(page, await file('register.log'));
    const bad = '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :frobnicate}\n';
    await page.locator(byTestId('history-import')).setInputFiles({ name: 'bad.edn', mimeType: 'text/plain', buffer: Buffer.from(bad) });
    await until(async () => /bad\.edn, line 2: /.test((await page.textContent(byTestId('notice')).catch(() => '')) ?? ''), {
      what: 'the message with the line',
    });
    assert.equal(await page.getAttribute(byTestId('history-verdict'), 'data-verdict'), 'linearizable');
    assert.match(await page.textContent('.history-title'), /^register\.log/);
    await page.click(byTestId('history-close'));
    assert.equal(await page.$(byTestId('history-view')), null);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('the imported History view at 1440x900 and 390x844, light and dark: readable, nothing overlapping', async () => {
  for (const size of ['desktop', 'phone']) {
    const viewport = SIZES[size];
    for (const scheme of ['light', 'dark']) {
      const app = await open('p=raft&seed=1', { viewport });
      try {
        const { page, problems } = app;
        await page.emulateMedia({ colorScheme: scheme });
        await importHistory(page, await file('stale-read.edn'));
        const view = page.locator(byTestId('history-view'));
        await view.scrollIntoViewIfNeeded();
        const stuck = (await ops(page)).find((b) => b.role === 'stuck');
        await page.hover(`${byTestId(stuck.id)} rect`);
        const { small, overlaps, spill } = await unreadable(page);
        assert.deepEqual(small, [], `${size} ${scheme}: text below 11 px`);
        assert.deepEqual(overlaps, [], `${size} ${scheme}: labels overlapping`);
        assert.deepEqual(spill, [], `${size} ${scheme}: labels outside their bars`);
        await screenshot(page, `history-import-${viewport.width}x${viewport.height}-${scheme}`);
        assert.deepEqual(problems, []);
      } finally {
        await app.close();
      }
    }
  }
});

test('a kv run shows its own history live, and clicking a bar moves the timeline there', async () => {
  const app = await open('p=raft&workload=kv&seed=2&t=5s', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    await page.waitForSelector(byTestId('history-view'));
    assert.equal(await page.getAttribute(byTestId('history-verdict'), 'data-verdict'), 'linearizable');
    assert.match(await page.textContent('.history-title'), /this run's key-value clients/);
    const bars = await ops(page);
    assert.ok(bars.length > 5, `${bars.length} operations`);
    assert.ok(bars.every((b) => /^C\d$/.test(b.client)), JSON.stringify(bars));
    // Click an early completed operation: the timeline goes to its completion.
    const target = await page.$$eval('[data-testid^="history-op-"]', (els) =>
      els
        .filter((e) => e.dataset.result === 'ok' && Number(e.dataset.at) > 1000000)
        .map((e) => ({ id: e.dataset.testid, at: Number(e.dataset.at) }))[0],
    );
    assert.ok(target, 'an operation completed after 1 s');
    await page.click(`${byTestId(target.id)} rect`);
    await until(async () => Number(await page.getAttribute(byTestId('clock'), 'data-us')) === target.at, {
      what: `the clock at ${target.at}`,
    });
    assert.ok(await page.$(byTestId('history-now')), 'the moment shown is marked');
    // Playing on, the line of the moment shown moves along the history.
    const x = () => page.getAttribute(`${byTestId('history-now')} line`, 'x1');
    const before = await x();
    await page.click(byTestId('play'));
    await until(async () => (await x()) !== before, { what: 'the moment line moving' });
    await page.click(byTestId('play'));
    assert.equal((await ops(page)).length, bars.length, 'the history up to 5 s was already shown');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test("a kv run's History view at 1440x900, 390x844 and in the 640x400 embed, light and dark", async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const scheme of ['light', 'dark']) {
      const embed = size === 'embed' ? '&embed=1' : '';
      const app = await open(`p=raft&workload=kv&seed=2&t=4s${embed}`, { viewport });
      try {
        const { page, problems } = app;
        await page.emulateMedia({ colorScheme: scheme });
        const view = page.locator(byTestId('history-view'));
        await view.scrollIntoViewIfNeeded();
        const { small, overlaps, spill } = await unreadable(page);
        assert.deepEqual(small, [], `${size} ${scheme}: text below 11 px`);
        assert.deepEqual(overlaps, [], `${size} ${scheme}: labels overlapping`);
        assert.deepEqual(spill, [], `${size} ${scheme}: labels outside their bars`);
        await screenshot(page, `history-kv-${viewport.width}x${viewport.height}-${scheme}`);
        assert.deepEqual(problems, []);
      } finally {
        await app.close();
      }
    }
  }
});

test("a run's stale read shows on its History view, and clicking it moves the timeline there", async () => {
  // zab-sync-read's second chapter: ZooKeeper's local reads, a server cut off from its leader.
  const app = await open('tour=zab-sync-read&ch=2', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    await page.waitForSelector(byTestId('history-view'));
    assert.equal(await page.getAttribute(byTestId('history-verdict'), 'data-verdict'), 'not-linearizable');
    const status = await page.textContent(byTestId('history-status'));
    assert.match(status, /C3's read of y returned nil/);
    // ZooKeeper promises sequential consistency: the view says so rather than call it a bug.
    assert.match(status, /^not linearizable: this is the documented guarantee, not a bug/);
    const stuck = await page.$$eval('[data-role="stuck"]', (els) => els.map((e) => ({ id: e.dataset.testid, at: Number(e.dataset.at), client: e.dataset.client })));
    assert.equal(stuck.length, 1);
    assert.equal(stuck[0].client, 'C3');
    await page.click(`${byTestId(stuck[0].id)} rect`);
    await until(async () => Number(await page.getAttribute(byTestId('clock'), 'data-us')) === stuck[0].at, {
      what: `the clock at ${stuck[0].at}`,
    });
    assert.match(await page.textContent(byTestId('history-detail')), /cannot be placed/);
    await page.locator(byTestId('history-view')).scrollIntoViewIfNeeded();
    await screenshot(page, 'history-stale-read-1440x900-light');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});
