// Raft's log compaction in the page (dissertation ch. 5): with snapshot-every each node's log
// grid row starts with one box for its snapshot (last included index and term, "+N
// compacted"), the entries it replaced are gone, and the inspector shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, screenshot } from './harness.mjs';

test('Raft with snapshot-every: each row starts with its snapshot box', async () => {
  const app = await open('p=raft&nodes=3&seed=2&snapshot-every=5&t=3s');
  try {
    const { page, problems } = app;
    for (const node of [1, 2, 3]) {
      const box = page.locator(byTestId(`log-snapshot-${node}`));
      assert.equal(await box.count(), 1, `S${node} has one snapshot box`);
      const index = Number(await box.getAttribute('data-index'));
      const term = Number(await box.getAttribute('data-term'));
      assert.ok(index >= 5, `S${node}'s snapshot covers at least 5 entries (${index})`);
      assert.ok(term >= 1, `S${node}'s snapshot has a term (${term})`);
      // The compacted entries are not drawn as cells; the box stands for them.
      const cells = await page.$$eval(`[data-testid^="log-cell-${node}-"]`, (els) =>
        els.map((e) => Number(e.dataset.testid.split('-').pop())),
      );
      assert.ok(cells.every((i) => i > index), `S${node}: cells ${cells} after ${index}`);
      assert.match(await box.textContent(), new RegExp(`≤${index}`));
      assert.match(await box.locator('title').textContent(), /snapshot of entries 1\.\./);
    }
    // The box sits at the left of the row: no cell of the row is left of it.
    const left = await page.$eval(byTestId('log-snapshot-1') + ' rect', (e) => e.getBoundingClientRect().left);
    const firstCell = await page.$$eval('[data-testid^="log-cell-1-"] rect', (els) =>
      Math.min(...els.map((e) => e.getBoundingClientRect().left)),
    );
    assert.ok(left < firstCell, `snapshot box at ${left}, first cell at ${firstCell}`);
    // The inspector shows it too.
    await page.click(byTestId('node-1'));
    await page.waitForSelector('.inspector.open');
    const text = await page.textContent('.inspector.open');
    assert.match(text, /Snapshot \(dissertation §5\.1\)/);
    assert.match(text, /\+\d+ compacted/);
    await page.locator(byTestId('log-grid')).scrollIntoViewIfNeeded();
    await screenshot(page, 'grid-raft-snapshot');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('Without snapshot-every no snapshot box is drawn', async () => {
  const app = await open('p=raft&nodes=3&seed=2&t=3s');
  try {
    const { page, problems } = app;
    assert.equal(await page.locator('[data-testid^="log-snapshot-"]').count(), 0);
    assert.ok((await page.locator('[data-testid^="log-cell-1-"]').count()) > 0);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});
