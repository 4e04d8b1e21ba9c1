// The space-time diagram and trace files: export, import back to the same state, and bad
// files refused with a clear message while the current session stays intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SHOTS } from './harness.mjs';
import { open, byTestId, nodes, until, screenshot } from './harness.mjs';

async function runAWhile(page) {
  await page.click(byTestId('play'));
  await until(async () => (await nodes(page)).some((n) => n.role === 'leader'), { what: 'a leader' });
  await page.click(byTestId('node-4'));
  await page.click(byTestId('crash'));
  await new Promise((r) => setTimeout(r, 600));
  await page.click(byTestId('play'));
}

test('the space-time diagram shows lanes, arrows and faults, selects and exports', async () => {
  const app = await open('speed=4');
  try {
    const { page, problems } = app;
    await runAWhile(page);
    await page.click(byTestId('view-spacetime'));
    const arrows = await page.$$('[data-testid^="arrow-"]');
    assert.ok(arrows.length > 10, `${arrows.length} arrows`);
    assert.equal(await page.locator('.spacetime .fault.crash').count(), 1);
    const first = await arrows[0].getAttribute('data-testid');
    await arrows[arrows.length - 1].click();
    assert.equal(await page.locator('.spacetime .msg.selected').count(), 1);
    // Stepping back moves the diagram with the timeline.
    const before = await page.getAttribute(byTestId('spacetime'), 'aria-label');
    await page.click(byTestId('step-back'));
    assert.notEqual(await page.getAttribute(byTestId('spacetime'), 'aria-label'), before);
    await screenshot(page, 'spacetime');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(byTestId('export-svg'))]);
    const svg = await readFile(await download.path(), 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.ok(svg.includes(first), 'the exported SVG holds the arrows');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('a trace exports and imports back to the same state; bad files are refused', async () => {
  const app = await open('speed=4');
  try {
    const { page, problems, context } = app;
    await runAWhile(page);
    const hash = await page.textContent(byTestId('trace-hash'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(byTestId('export-trace'))]);
    const file = await readFile(await download.path());
    const trace = JSON.parse(file);
    assert.equal(trace.format, 'consensus-lab-trace');
    assert.equal(trace.version, 2);

    const fresh = await context.newPage();
    await fresh.goto(app.site.url + '?p=2pc');
    await fresh.waitForSelector(byTestId('clock'));
    const input = fresh.locator(byTestId('import-trace'));
    const original = await fresh.textContent(byTestId('trace-hash'));
    const bad = [
      ['truncated.json', file.subarray(0, file.length / 2), /not a readable trace file/],
      ['v9.json', Buffer.from(file.toString().replace('"version":2', '"version":9')), /version 9 is not supported/],
      ['other.json', Buffer.from('{"hello": 1}'), /not a Consensus Lab trace file/],
      ['edited.json', Buffer.from(file.toString().replace('"time":', '"time":9')), /does not replay|back in time/],
      ['huge.json', null, /refused/],
    ];
    // Playwright passes big files by path only.
    await mkdir(SHOTS, { recursive: true });
    const huge = join(SHOTS, 'huge.json');
    await writeFile(huge, Buffer.alloc(65 * 1024 * 1024, 32));
    for (const [name, buffer, why] of bad) {
      await input.setInputFiles(buffer ? { name, mimeType: 'application/json', buffer } : huge);
      await until(async () => why.test((await fresh.textContent(byTestId('notice')).catch(() => '')) ?? ''), {
        what: `the message for ${name}`,
      });
      assert.equal(await fresh.textContent(byTestId('trace-hash')), original, `${name} left the session intact`);
      await fresh.click(`${byTestId('notice')} button`);
    }
    await rm(huge);
    await input.setInputFiles({ name: 'run.json', mimeType: 'application/json', buffer: file });
    await until(async () => (await fresh.textContent(byTestId('trace-hash'))) === hash, { what: 'the imported run' });
    assert.equal(await fresh.inputValue(byTestId('protocol')), 'raft');
    await screenshot(fresh, 'trace-imported');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});
