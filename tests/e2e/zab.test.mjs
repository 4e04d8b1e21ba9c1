// Zab in the browser: Fast Leader Election and recovery. A crashed leader is replaced by one
// in a higher epoch; a leader cut off in a minority keeps proposals it can never commit, and
// after healing synchronization truncates them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, nodes, until, screenshot } from './harness.mjs';

const LEADING = 'leading · broadcast';
const established = (ns) => ns.filter((n) => n.up && n.role === LEADING);

/** Plays until `pred(nodes)` holds, then pauses. */
async function playUntil(page, pred, what) {
  await page.click(byTestId('play'));
  const got = await until(async () => pred(await nodes(page)) && (await nodes(page)), { what, timeout: 30000 });
  await page.click(byTestId('play'));
  return got;
}

/** The history cells a node shows: { index, epoch, text }, oldest first. */
const cells = (n) =>
  n.log
    .split('|')[0]
    .split(',')
    .filter(Boolean)
    .map((c) => {
      const [index, epoch, text] = c.split('/');
      return { index: Number(index), epoch: Number(epoch), text };
    });
const committed = (n) => Number(n.log.split('|')[2]);

test('Zab: a leader is elected; crashing it elects another in a higher epoch', async () => {
  const app = await open('p=zab&speed=6');
  try {
    const { page, problems } = app;
    const first = await playUntil(page, (ns) => established(ns).length === 1, 'an established leader');
    const [old] = established(first);
    assert.ok(old.term >= 1, `epoch ${old.term}`);
    assert.ok(
      first.filter((n) => n.id !== old.id).every((n) => /^(following|looking) · /.test(n.role)),
      JSON.stringify(first.map((n) => n.role)),
    );
    // The inspector shows epochs and the last zxid in ZooKeeper's hex and as (e, c).
    await page.click(byTestId(`node-${old.id}`));
    const inspector = await page.textContent(byTestId('inspector'));
    assert.match(inspector, /currentEpoch/);
    assert.match(inspector, /acceptedEpoch/);
    assert.match(inspector, /0x[0-9a-f]+ \(\d+, \d+\)/);
    await screenshot(page, 'zab-leader');
    await page.click(byTestId('crash'));
    const after = await playUntil(page, (ns) => established(ns).length === 1, 'a new leader');
    const [now] = established(after);
    assert.notEqual(now.id, old.id);
    assert.ok(now.term > old.term, `new epoch ${now.term} > ${old.term}`);
    await screenshot(page, 'zab-new-leader');
    const holds = await page.$$eval('[data-holds]', (els) => els.map((e) => `${e.dataset.invariant}=${e.dataset.holds}`));
    assert.ok(holds.includes('Primary Integrity=true'), holds.join());
    assert.ok(holds.every((h) => h.endsWith('=true')), holds.join());
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test("Zab: a partitioned leader's uncommitted proposals are truncated after healing", async () => {
  const app = await open('p=zab&speed=6&requests=off');
  try {
    const { page, problems } = app;
    await playUntil(page, (ns) => established(ns).length === 1, 'an established leader');
    const [old] = established(await nodes(page));
    // One committed transaction everyone shares.
    await page.click(byTestId('request-leader'));
    await playUntil(page, (ns) => ns.every((n) => committed(n) === 1), 'the first commit everywhere');
    // The leader and one other node go to group B; the other three stay in A.
    const other = old.id === 1 ? 2 : 1;
    await page.click(byTestId(`group-${old.id}`));
    await page.click(byTestId(`group-${other}`));
    await page.click(byTestId('partition'));
    // Two requests the cut-off leader proposes and can never commit (two of five is no quorum).
    await page.click(byTestId(`node-${old.id}`));
    await page.click(byTestId('request'));
    await page.click(byTestId('request'));
    const cutOff = (await nodes(page)).find((n) => n.id === old.id);
    const doomed = cells(cutOff).filter((c) => c.index > committed(cutOff));
    assert.equal(doomed.length, 2, cutOff.log);
    assert.ok(doomed.every((c) => c.epoch === old.term));
    const majority = (ns) => ns.filter((n) => n.id !== old.id && n.id !== other);
    await playUntil(page, (ns) => established(majority(ns)).length === 1, 'a majority-side leader');
    const [newer] = established(majority(await nodes(page)));
    assert.ok(newer.term > old.term, `epoch ${newer.term} > ${old.term}`);
    await page.click(byTestId('request-leader'));
    await screenshot(page, 'zab-partitioned-leader');
    await page.click(byTestId('heal'));
    const healed = await playUntil(
      page,
      (ns) =>
        established(ns).length === 1 &&
        ns.every((n) => n.up && n.log === ns[0].log && committed(n) === 2),
      'one leader and equal histories after healing',
    );
    const back = healed.find((n) => n.id === old.id);
    assert.match(back.role, /^following · /);
    for (const d of doomed) {
      assert.ok(
        !cells(back).some((c) => c.index === d.index && c.epoch === d.epoch && c.text === d.text),
        `${JSON.stringify(d)} is gone from ${back.log}`,
      );
    }
    await page.click(byTestId(`node-${old.id}`));
    await screenshot(page, 'zab-healed');
    const holds = await page.$$eval('[data-holds]', (els) => els.map((e) => `${e.dataset.invariant}=${e.dataset.holds}`));
    assert.ok(holds.every((h) => h.endsWith('=true')), holds.join());
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

/** Visible texts of the cluster drawing and of the history grid under 11 CSS px. */
async function smallTexts(page) {
  const svg = await page.$$eval('.cluster text', (els) =>
    els
      .filter((e) => {
        const b = e.getBoundingClientRect();
        return b.width > 0 && b.height > 0 && e.textContent.trim() !== '' && getComputedStyle(e).display !== 'none';
      })
      .map((e) => ({ text: e.textContent, px: parseFloat(getComputedStyle(e).fontSize) * e.ownerSVGElement.getScreenCTM().a })),
  );
  const grid = await page.$$eval('[data-testid="log-grid"] :is(text, summary, li, span, b)', (els) =>
    els
      .filter((e) => {
        const b = e.getBoundingClientRect();
        return b.width > 0 && b.height > 0 && e.textContent.trim() !== '';
      })
      .map((e) => ({ text: e.textContent.slice(0, 30), px: parseFloat(getComputedStyle(e).fontSize) })),
  );
  return [...svg, ...grid].filter((t) => t.px < 10.99);
}

test('Zab reads at 1440x900, in the 640x400 embed and on a phone; the inspector says what the node says', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    const app = await open(`p=zab&seed=1&t=1.2s${embed}`, { viewport });
    try {
      const { page, problems } = app;
      const ns = await nodes(page);
      assert.equal(established(ns).length, 1, JSON.stringify(ns.map((n) => n.role)));
      assert.deepEqual(await smallTexts(page), [], `${size}: text below 11 px`);
      if (size !== 'embed') {
        assert.match(await page.textContent(`${byTestId('log-grid')} summary`), /History grid/);
        for (const n of ns) {
          await page.click(byTestId(`node-${n.id}`));
          const title = await page.textContent(`${byTestId('inspector')} h3`);
          assert.equal(title, `S${n.id} · ${n.state}`);
        }
      }
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `zab-${size}-${scheme}`);
      }
      assert.deepEqual(problems, [], size);
    } finally {
      await app.close();
    }
  }
});
