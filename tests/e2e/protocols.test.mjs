// Paxos, Multi-Paxos and Two-Phase Commit in the browser: the lessons users come for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, nodes, until, screenshot } from './harness.mjs';

const participants = (ns) => ns.filter((n) => n.id !== 1);

test('2PC: the coordinator crashes after every yes vote; participants block until it returns', async () => {
  const app = await open('p=2pc');
  try {
    const { page, problems } = app;
    // Step event by event until every participant has voted yes (holds the lock, prepared).
    await until(
      async () => {
        await page.click(byTestId('step'));
        return participants(await nodes(page)).every((n) => n.state.startsWith('prepared'));
      },
      { what: 'all participants prepared', every: 0 },
    );
    await page.click(byTestId('node-1'));
    await page.click(byTestId('crash'));
    await page.selectOption(byTestId('speed'), { label: '1/4×' });
    await page.click(byTestId('play'));
    await until(async () => participants(await nodes(page)).every((n) => n.state.includes('blocked')), {
      what: 'every participant blocked',
      timeout: 30000,
    });
    await page.click(byTestId('play'));
    await screenshot(page, '2pc-blocked');
    const blocked = participants(await nodes(page));
    assert.ok(blocked.every((n) => n.state.includes('(blocked)')), JSON.stringify(blocked));
    // The coordinator returns, finds the undecided transaction in its log and settles it.
    await page.click(byTestId('restart'));
    await page.click(byTestId('play'));
    const settled = await until(
      async () => {
        const ps = participants(await nodes(page));
        const first = ps[0].log.split('|')[0].split(',')[0];
        return ps.every((n) => !n.state.includes('blocked') && n.log.split('|')[0].split(',')[0] === first) && ps;
      },
      { what: 'every participant decided the same', timeout: 30000 },
    );
    await page.click(byTestId('play'));
    assert.ok(settled.length === 4);
    const holds = await page.$$eval('[data-holds]', (els) => els.map((e) => `${e.dataset.invariant}=${e.dataset.holds}`));
    assert.ok(holds.every((h) => h.endsWith('=true')), holds.join());
    await screenshot(page, '2pc-recovered');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('3PC: the coordinator crashes after every yes vote; the participants still decide', async () => {
  const app = await open('p=3pc&n=4');
  try {
    const { page, problems } = app;
    // Step until every participant has voted yes: uncertain, holding its lock.
    await until(
      async () => {
        await page.click(byTestId('step'));
        return participants(await nodes(page)).every((n) => n.state.startsWith('uncertain'));
      },
      { what: 'all participants uncertain', every: 0 },
    );
    await page.click(byTestId('node-1'));
    await page.click(byTestId('crash'));
    await page.selectOption(byTestId('speed'), { label: '1×' });
    await page.click(byTestId('play'));
    // Where 2PC blocks (the test above), 3PC's termination protocol decides without S1.
    const decided = await until(
      async () => {
        const ns = await nodes(page);
        const ps = participants(ns);
        return !ns[0].up && ps.every((n) => n.state === 'participant' && n.log === ps[0].log) && ps;
      },
      { what: 'every participant decided the same with the coordinator down', timeout: 30000 },
    );
    await page.click(byTestId('play'));
    assert.equal(decided.length, 3);
    const holds = await page.$$eval('[data-holds]', (els) => els.map((e) => `${e.dataset.invariant}=${e.dataset.holds}`));
    assert.ok(holds.includes('Non-blocking=true'), holds.join());
    assert.ok(holds.every((h) => h.endsWith('=true')), holds.join());
    await screenshot(page, '3pc-decided-without-coordinator');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('Paxos: two proposers duel and exactly one value is chosen', async () => {
  const app = await open('p=paxos&speed=5');
  try {
    const { page, problems } = app;
    await page.click(byTestId('play'));
    const learned = await until(
      async () => {
        const ns = await nodes(page);
        return ns.every((n) => n.state.startsWith('learned')) && ns;
      },
      { what: 'every node learns', timeout: 30000 },
    );
    await page.click(byTestId('play'));
    assert.equal(new Set(learned.map((n) => n.state)).size, 1, JSON.stringify(learned));
    const log = await page.textContent(byTestId('event-log'));
    assert.match(log, /sends Prepare/);
    const agreement = await page.getAttribute('[data-invariant="Agreement"]', 'data-holds');
    assert.equal(agreement, 'true');
    await screenshot(page, 'paxos-chosen');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('Multi-Paxos: a leader emerges and every node applies the same sequence', async () => {
  const app = await open('p=multi-paxos&speed=6');
  try {
    const { page, problems } = app;
    await page.click(byTestId('play'));
    const ns = await until(
      async () => {
        const ns = await nodes(page);
        const values = ns.map((n) => n.log.split('|')[3]);
        const committed = ns.map((n) => Number(n.log.split('|')[2]));
        return committed.every((c) => c >= 3) && new Set(values).size === 1 && ns;
      },
      { what: 'committed slots applied everywhere', timeout: 30000 },
    );
    await page.click(byTestId('play'));
    assert.ok(ns.some((n) => n.role.includes('leader')), JSON.stringify(ns.map((n) => n.role)));
    await screenshot(page, 'multi-paxos');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('2PC: a log cell under a node shows its outcome, committed green and aborted red, as the legend says', async () => {
  // Lossy links: some transactions commit, some abort (a shard still locked votes no).
  const app = await open('p=2pc&seed=1&loss=0.2&t=600ms');
  try {
    const { page, problems } = app;
    const cells = await page.$$eval('.cluster .log .cell', (els) =>
      els.map((g) => ({
        outcome: g.dataset.outcome ?? null,
        fill: getComputedStyle(g.querySelector('rect')).fill,
        title: g.querySelector('title').textContent,
      })),
    );
    const green = cells.filter((c) => c.outcome === 'commit');
    const red = cells.filter((c) => c.outcome === 'abort');
    assert.ok(green.length > 0 && red.length > 0, JSON.stringify(cells));
    const rgb = (s) => s.match(/\d+/g).map(Number);
    for (const c of green) {
      const [r, g, b] = rgb(c.fill);
      assert.ok(g > r + 60 && g > b + 60, `committed cell drawn ${c.fill} (${c.title})`);
      assert.match(c.title, /committed/);
    }
    for (const c of red) {
      const [r, g, b] = rgb(c.fill);
      assert.ok(r > g + 60 && r > b + 60, `aborted cell drawn ${c.fill} (${c.title})`);
      assert.match(c.title, /aborted/);
    }
    // The same transaction number reads differently by its outcome, never one colour per txn.
    assert.notEqual(green[0].fill, red[0].fill);
    await page.click(`${byTestId('legend')} > summary`);
    for (const d of ['commit', 'abort']) {
      const li = page.locator(`${byTestId('legend')} [data-words="cell-${d}"]`);
      assert.equal(await li.count(), 1, `the legend explains ${d} cells`);
      const swatch = await li.locator('.swatch').evaluate((e) => getComputedStyle(e).backgroundColor);
      assert.equal(swatch, d === 'commit' ? green[0].fill : red[0].fill, `${d}: legend swatch matches the cells`);
    }
    await screenshot(page, '2pc-outcome-cells');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});
