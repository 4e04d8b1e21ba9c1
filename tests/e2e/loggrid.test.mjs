// The state table under the cluster: Raft's log grid lined up by index (committed cells agree
// across a majority; an isolated old leader's new entries stay dashed), the Paxos acceptor
// table, Multi-Paxos slots and 2PC transactions; readable at every size, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, nodes, until, screenshot } from './harness.mjs';

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

/** Every cell of the grid: node, index, term, committed. */
async function cells(page) {
  return page.$$eval('[data-testid^="log-cell-"]', (els) =>
    els.map((e) => {
      const [node, index] = e.dataset.testid.slice('log-cell-'.length).split('-').map(Number);
      return { node, index, term: Number(e.dataset.term), committed: e.dataset.committed === 'true' };
    }),
  );
}

/** Indexes committed on at least `quorum` rows. */
function committedOnQuorum(cs, quorum) {
  const by = new Map();
  for (const c of cs.filter((c) => c.committed)) by.set(c.index, [...(by.get(c.index) ?? []), c]);
  return [...by.entries()].filter(([, v]) => v.length >= quorum);
}

/** Every visible text of the grid (SVG and HTML) is at least 11 CSS px. */
async function assertGridLegible(page, where) {
  const small = await page.$$eval('[data-testid="log-grid"] :is(text, summary, li, span, b)', (els) =>
    els
      .filter((e) => {
        const b = e.getBoundingClientRect();
        return b.width > 0 && b.height > 0 && e.textContent.trim() !== '';
      })
      .map((e) => ({ text: e.textContent.slice(0, 30), px: parseFloat(getComputedStyle(e).fontSize) }))
      .filter((t) => t.px < 11),
  );
  assert.deepEqual(small, [], `${where}: grid text below 11 px`);
}

/** Row heads and cells do not overlap each other; cells in a row do not overlap. */
async function assertNoOverlap(page, where) {
  const rects = await page.$$eval('[data-testid="log-grid"] .gcell rect', (els) =>
    els.map((e) => e.getBoundingClientRect().toJSON()),
  );
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const [a, b] = [rects[i], rects[j]];
      const hit = a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
      assert.ok(!hit, `${where}: cells ${i} and ${j} overlap`);
    }
  }
}

test('Raft: after a leader replicates, committed cells agree across a majority', async () => {
  const app = await open('p=raft&seed=1&speed=6');
  try {
    const { page, problems } = app;
    assert.equal(await page.locator(byTestId('log-grid')).count(), 1);
    assert.notEqual(await page.getAttribute(byTestId('log-grid'), 'open'), null, 'open at first');
    await page.click(byTestId('play'));
    await until(async () => committedOnQuorum(await cells(page), 3).length >= 2, {
      what: 'two indexes committed on a majority of rows',
      timeout: 30000,
    });
    await page.click(byTestId('play'));
    const cs = await cells(page);
    const quorum = committedOnQuorum(cs, 3);
    assert.ok(quorum.length >= 2);
    for (const [index, committed] of quorum) {
      assert.equal(new Set(committed.map((c) => c.term)).size, 1, `index ${index}: one term`);
    }
    // Log Matching as the grid shows it: at any index, committed cells never disagree.
    const all = new Map();
    for (const c of cs.filter((c) => c.committed)) all.set(c.index, new Set([...(all.get(c.index) ?? []), c.term]));
    for (const [index, terms] of all) assert.equal(terms.size, 1, `index ${index}: ${[...terms]}`);
    // Index numbers are written above the columns, starting at 1.
    const heads = await page.$$eval('[data-testid="log-grid"] .col-head', (els) => els.map((e) => e.textContent));
    assert.equal(heads[0], '1');
    // Committed cells are solid, uncommitted ones dashed.
    const dash = await page.$$eval('[data-testid^="log-cell-"] rect', (els) =>
      els.map((e) => [e.closest('g').dataset.committed, getComputedStyle(e).strokeDasharray]),
    );
    for (const [committed, d] of dash) assert.equal(committed === 'true', d === 'none', `${committed} ${d}`);
    // The leader's marks are on the followers' rows.
    const leader = (await nodes(page)).find((n) => n.role === 'leader');
    const follower = leader.id === 1 ? 2 : 1;
    assert.match(await page.textContent('[data-testid="log-grid"] .rhead:nth-of-type(' + (follower + 1) + ')'), /match \d+ · next \d+/);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('Raft: an isolated old leader keeps uncommitted (dashed) entries while the majority moves on', async () => {
  const app = await open('p=raft&seed=1&t=1s&speed=6');
  try {
    const { page, problems } = app;
    const old = (await nodes(page)).find((n) => n.role === 'leader');
    assert.ok(old, 'a leader at 1 s');
    await page.click(byTestId(`node-${old.id}`));
    await page.click(byTestId('isolate'));
    await page.click(byTestId('request'));
    await page.click(byTestId('request'));
    await page.click(byTestId('play'));
    await until(async () => (await nodes(page)).some((n) => n.id !== old.id && n.role === 'leader'), {
      what: 'a new leader on the majority side',
      timeout: 30000,
    });
    await page.click(byTestId('play'));
    const cs = await cells(page);
    const mine = cs.filter((c) => c.node === old.id);
    const last = Math.max(...mine.map((c) => c.index));
    const tail = mine.filter((c) => c.index > last - 2);
    assert.equal(tail.length, 2);
    assert.ok(tail.every((c) => !c.committed && c.term === old.term), JSON.stringify(tail));
    assert.match(await page.textContent(`.rhead:nth-of-type(${old.id + 1})`), /stale leader/, 'the row says stale, as the node');
    const style = await page.$eval(byTestId(`log-cell-${old.id}-${last}`) + ' rect', (e) => getComputedStyle(e).strokeDasharray);
    assert.notEqual(style, 'none', 'drawn dashed');
    await page.locator(byTestId('log-grid')).scrollIntoViewIfNeeded();
    await screenshot(page, 'grid-raft-isolated-old-leader');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('Paxos, Multi-Paxos and 2PC tables render', async () => {
  const cases = [
    ['p=paxos&t=2s', 'state-cell-', 4, 'Acceptor table'],
    ['p=multi-paxos&t=3s', 'log-cell-', 3, 'Log grid'],
    ['p=2pc&t=300ms', 'state-cell-', 2, 'Transactions'],
  ];
  for (const [q, prefix, min, title] of cases) {
    const app = await open(q, { viewport: SIZES.desktop });
    try {
      const { page, problems } = app;
      assert.match(await page.textContent(`${byTestId('log-grid')} summary`), new RegExp(title));
      const ids = await page.$$eval(`[data-testid^="${prefix}"]`, (els) => els.map((e) => e.dataset.testid));
      assert.ok(ids.length >= min, `${q}: ${ids.length} cells`);
      const committed = await page.$$eval(`[data-testid^="${prefix}"]`, (els) => els.map((e) => e.dataset.committed));
      assert.ok(committed.every((c) => c === 'true' || c === 'false'));
      await assertGridLegible(page, q);
      await page.locator(byTestId('log-grid')).scrollIntoViewIfNeeded();
      await screenshot(page, `grid-${q.split('&')[0].slice(2)}-1440x900`);
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});

test('the grid at 1440x900, the 640x400 embed and a 390x844 phone, light and dark', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const scheme of ['light', 'dark']) {
      const embed = size === 'embed' ? '&embed=1' : '';
      const app = await open(`p=raft&seed=1&t=6s${embed}`, { viewport });
      try {
        const { page, problems } = app;
        await page.emulateMedia({ colorScheme: scheme });
        const grid = page.locator(byTestId('log-grid'));
        if (size === 'embed') {
          assert.equal(await grid.getAttribute('open'), null, 'the embed starts with the grid closed');
          await screenshot(page, `grid-raft-${viewport.width}x${viewport.height}-closed-${scheme}`);
          await page.click(`${byTestId('log-grid')} summary`);
        }
        await until(async () => (await cells(page)).length > 0, { what: 'cells' });
        await assertGridLegible(page, `${size} ${scheme}`);
        await assertNoOverlap(page, `${size} ${scheme}`);
        // The newest entries are in view: the scroller sits at its right end.
        const scroll = await page.$eval('.grid-scroll', (e) => e.scrollWidth - e.clientWidth - e.scrollLeft);
        assert.ok(scroll <= 1, `follows the newest entries (${scroll} px left)`);
        await grid.scrollIntoViewIfNeeded();
        await screenshot(page, `grid-raft-${viewport.width}x${viewport.height}-${scheme}`);
        assert.deepEqual(problems, []);
      } finally {
        await app.close();
      }
    }
  }
});

test('the inspector says what the node label says', async () => {
  for (const q of ['p=paxos&t=2s', 'p=2pc&t=300ms', 'p=raft&t=2s', 'p=multi-paxos&t=2s']) {
    const app = await open(q, { viewport: SIZES.desktop });
    try {
      const { page, problems } = app;
      for (const n of await nodes(page)) {
        await page.click(byTestId(`node-${n.id}`));
        const title = await page.textContent(`${byTestId('inspector')} h3`);
        assert.equal(title, `S${n.id} · ${n.state}`, q);
      }
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});
