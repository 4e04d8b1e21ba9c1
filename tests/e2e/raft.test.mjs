// Raft in the browser: elections, crashes, partitions, time travel, a caught bug, and the
// same trace as the native engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, clock, nodes, until, screenshot } from './harness.mjs';

const leaders = async (page) => (await nodes(page)).filter((n) => n.up && n.role === 'leader');

/** Plays until `pred(nodes)` holds, then pauses. */
async function playUntil(page, pred, what) {
  await page.click(byTestId('play'));
  const got = await until(async () => pred(await nodes(page)) && (await nodes(page)), { what, timeout: 30000 });
  await page.click(byTestId('play'));
  return got;
}

test('a leader is elected; crashing it elects another in a higher term', async () => {
  const app = await open('speed=6');
  try {
    const { page, problems } = app;
    await playUntil(page, (ns) => ns.some((n) => n.role === 'leader'), 'a first leader');
    const [old] = await leaders(page);
    await page.click(byTestId(`node-${old.id}`));
    await page.click(byTestId('crash'));
    const after = await nodes(page);
    assert.equal(after.find((n) => n.id === old.id).up, false);
    await playUntil(page, (ns) => ns.some((n) => n.up && n.role === 'leader'), 'a new leader');
    const [now] = await leaders(page);
    assert.notEqual(now.id, old.id);
    assert.ok(now.term > old.term, `new term ${now.term} > ${old.term}`);
    await screenshot(page, 'raft-new-leader');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('a leader partitioned into a minority is replaced; after healing one leader and equal logs', async () => {
  const app = await open('speed=6');
  try {
    const { page, problems } = app;
    await playUntil(page, (ns) => ns.some((n) => n.role === 'leader'), 'a first leader');
    const [old] = await leaders(page);
    // The leader and one other node go to group B, the other three stay in A.
    const other = old.id === 1 ? 2 : 1;
    await page.click(byTestId(`group-${old.id}`));
    await page.click(byTestId(`group-${other}`));
    await page.click(byTestId('partition'));
    const majority = (ns) => ns.filter((n) => n.id !== old.id && n.id !== other);
    await playUntil(page, (ns) => majority(ns).some((n) => n.role === 'leader'), 'a majority-side leader');
    const newer = majority(await nodes(page)).find((n) => n.role === 'leader');
    assert.ok(newer.term > old.term);
    await screenshot(page, 'raft-partition');
    await page.click(byTestId('heal'));
    await playUntil(
      page,
      (ns) => ns.filter((n) => n.role === 'leader').length === 1 && new Set(ns.map((n) => n.log)).size === 1,
      'one leader and equal logs after healing',
    );
    await screenshot(page, 'raft-healed');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('step back then step forward returns to the same state', async () => {
  const app = await open('t=1.2s');
  try {
    const { page, problems } = app;
    for (let i = 0; i < 5; i++) await page.click(byTestId('step'));
    const state = async () => ({
      nodes: await nodes(page),
      clock: await clock(page),
      hash: await page.textContent(byTestId('trace-hash')),
      events: await page.getAttribute(byTestId('clock'), 'data-events'),
    });
    const before = await state();
    await page.click(byTestId('step-back'));
    const back = await state();
    assert.equal(Number(back.events), Number(before.events) - 1);
    await page.click(byTestId('step'));
    assert.deepEqual(await state(), before);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    assert.deepEqual(await state(), before);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('the browser replays the same trace as the native engine', async () => {
  // Pinned in crates/engine/tests/golden.rs (RAFT_SEED1_AT_5S).
  const app = await open('t=5s');
  try {
    assert.equal(await page_hash(app.page), 'bc3f6ca2ca3d05e7');
  } finally {
    await app.close();
  }
});

const page_hash = (page) => page.textContent(byTestId('trace-hash'));

test('a buggy variant under the right faults raises the violation banner', async () => {
  const app = await open('bug=raft-vote-without-log-check&speed=6');
  try {
    const { page, problems } = app;
    await playUntil(page, (ns) => ns.some((n) => n.role === 'leader'), 'a first leader');
    const [leader] = await leaders(page);
    const stale = leader.id === 1 ? 2 : 1;
    // A follower misses some committed entries...
    await page.click(byTestId(`node-${stale}`));
    await page.click(byTestId('crash'));
    const committed = (ns) => Number(ns.find((n) => n.id === leader.id).log.split('|')[2]);
    const start = committed(await nodes(page));
    await playUntil(page, (ns) => committed(ns) >= start + 3, 'more committed entries');
    // ...comes back and campaigns at once: without the log check the others vote for it.
    await page.click(byTestId('restart'));
    await page.click(byTestId('timeout'));
    await page.click(byTestId('play'));
    await until(() => page.isVisible(byTestId('violation')), { what: 'the violation banner' });
    const text = await page.textContent(byTestId('violation'));
    assert.match(text, /Leader Completeness violated/);
    // The simulation pauses on a violation.
    const t = await clock(page);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await clock(page), t);
    const broken = await page.$$eval('[data-holds="false"]', (els) => els.map((e) => e.dataset.invariant));
    assert.ok(broken.includes('Leader Completeness'), broken.join());
    await screenshot(page, 'raft-violation');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});
