// The built site loads from a sub-path with no errors and no other-host requests, shows a
// cluster, and Play advances virtual time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, clock, nodes, until, screenshot } from './harness.mjs';

test('the page loads cleanly, shows the cluster, and Play advances the clock', async () => {
  const app = await open('', { serve: { base: '/docs/some/sub/path/' } });
  try {
    const { page, problems } = app;
    const shown = await nodes(page);
    assert.equal(shown.length, 5, 'five nodes by default');
    assert.ok(shown.every((n) => n.up && n.role === 'follower'), JSON.stringify(shown));
    assert.equal(await clock(page), 0);
    await page.click(byTestId('play'));
    await until(async () => (await clock(page)) > 200_000, { what: 'virtual time to pass 200ms' });
    await until(async () => (await nodes(page)).some((n) => n.role === 'leader'), { what: 'a leader' });
    await screenshot(page, 'smoke');
    assert.deepEqual(problems, []);
    assert.ok(app.site.requests.every((p) => p.startsWith('/docs/some/sub/path/')), app.site.requests.join(' '));
  } finally {
    await app.close();
  }
});
