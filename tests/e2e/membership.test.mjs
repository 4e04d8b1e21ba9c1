// Membership changes on the page (Raft dissertation ch. 4): the node menu's add, remove and
// replace (refused ones say why), their keys, the configuration drawn on the cluster (learners,
// non-members, both majorities while joint), the two tours, readable at every size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, until, screenshot } from './harness.mjs';

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

/** raft-add-server's cluster at 1 s: S2 leads S1..S3, S4 waits outside. */
const POOL = 'protocol=raft&nodes=4&voters=3&membership=single&seed=2&requests=off&t=1s&speed=6';

async function config(page) {
  return page.$eval(byTestId('config'), (e) => ({
    voters: e.dataset.voters,
    old: e.dataset.old,
    learners: e.dataset.learners,
    joint: e.dataset.joint,
    text: [...e.querySelectorAll('.config-text')].map((t) => t.textContent).join(' '),
  }));
}

/** A key pressed on the page, not on the button that has focus (space would press it). */
async function key(page, k) {
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press(k);
}

const member = (page, n) => page.getAttribute(byTestId(`node-${n}`), 'data-member');

/** Plays until the configuration satisfies `want`, then pauses. */
async function playUntil(page, want, what) {
  await key(page, ' ');
  try {
    return await until(async () => want(await config(page)), { what });
  } finally {
    await key(page, ' ');
  }
}

test('the node menu and the keys add and remove servers, and refusals say why', async () => {
  const app = await open(POOL, { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    assert.deepEqual(await config(page), {
      voters: 'S1 S2 S3',
      old: '',
      learners: '',
      joint: 'false',
      text: 'Config: S1 S2 S3',
    });
    assert.equal(await member(page, 4), 'outside');
    assert.equal(await member(page, 2), 'voter');
    // S4 is outside: the menu offers to add it. The leader has committed nothing of its
    // term yet, so the errata's rule refuses, in words.
    await page.click(byTestId('node-4'));
    const add = page.locator(byTestId('node-add'));
    assert.equal(await add.textContent(), 'Add server S4');
    assert.match(await add.getAttribute('class'), /refused/);
    await add.click();
    assert.match(await page.textContent(byTestId('notice')), /errata/);
    assert.equal(await page.locator(byTestId('node-remove')).count(), 0, 'S4 has nothing to remove');

    // A request of the leader's term commits; then the same button adds S4.
    await key(page, 'l');
    await key(page, ' ');
    await until(async () => !(await add.getAttribute('class'))?.includes('refused'), { what: 'the add allowed' });
    await key(page, ' ');
    // Selected, S4 shows the configuration its own log holds.
    assert.equal((await config(page)).text, "Config: S1 S2 S3 · in S4's log");
    await add.click();
    await playUntil(page, (c) => c.voters === 'S1 S2 S3 S4', 'S4 a voter');
    assert.equal(await member(page, 4), 'voter');

    // The keyboard: S3 selected, "-" removes it.
    await page.click(byTestId('node-3'));
    assert.equal(await page.textContent(byTestId('node-remove')), 'Remove S3');
    await key(page, '-');
    // Deselected, the cluster shows the leader's configuration again.
    await page.click(byTestId('inspector-close'));
    const c = await config(page);
    assert.equal(c.voters, 'S1 S2 S4', JSON.stringify(c));
    assert.equal(c.old, 'S1 S2 S3 S4', 'the old configuration counts until the new commits');
    assert.equal(await page.locator('.maj-old').count(), 4);
    assert.equal(await page.locator('.maj-new').count(), 3);
    await playUntil(page, (c) => c.old === '', 'the removal committed');
    assert.equal(await member(page, 3), 'outside');
    // The help lists the keys.
    await key(page, '?');
    assert.match(await page.textContent(byTestId('help')), /add a server \/ remove \/ replace/);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

/** The configuration's text is at least 11 px and covers no node. */
async function assertConfigReadable(page, where) {
  const { small, boxes } = await page.$$eval(byTestId('config'), (cs) => {
    const texts = cs.flatMap((c) => [...c.querySelectorAll('text')]);
    return {
      small: texts
        .map((t) => ({ text: t.textContent.slice(0, 30), px: parseFloat(getComputedStyle(t).fontSize) }))
        .filter((t) => t.px < 11),
      boxes: texts.map((t) => t.getBoundingClientRect().toJSON()),
    };
  });
  assert.deepEqual(small, [], `${where}: configuration text below 11 px`);
  const bodies = await page.$$eval('.node .body, .node .maj', (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
  for (const a of boxes) {
    for (const b of bodies) {
      const hit = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      assert.ok(!hit, `${where}: the configuration covers a node (${JSON.stringify(a)} / ${JSON.stringify(b)})`);
    }
  }
}

test('raft-joint-consensus: C_old,new rings both majorities, at every size, light and dark', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    for (const scheme of ['light', 'dark']) {
      const embed = size === 'embed' ? '&embed=1' : '';
      const app = await open(`tour=raft-joint-consensus&ch=2${embed}`, { viewport });
      try {
        const { page, problems } = app;
        await page.emulateMedia({ colorScheme: scheme });
        const c = await until(async () => {
          const c = await config(page);
          return c.joint === 'true' && c;
        }, { what: 'the joint configuration' });
        assert.equal(c.old, 'S1 S2 S3');
        assert.equal(c.voters, 'S2 S4 S5');
        assert.equal(c.text, 'C_old S1 S2 S3 → C_new S2 S4 S5');
        assert.equal(await page.locator('.maj-old').count(), 3);
        assert.equal(await page.locator('.maj-new').count(), 3);
        assert.match(await page.textContent(`${byTestId('config')} .config-key`), /majority of each/);
        await assertConfigReadable(page, `${size} ${scheme}`);
        await screenshot(page, `membership-joint-${viewport.width}x${viewport.height}-${scheme}`);
        assert.deepEqual(problems, []);
      } finally {
        await app.close();
      }
    }
  }
});

test('raft-membership-bug: the bug breaks Configuration Overlap on the right only', async () => {
  for (const scheme of ['light', 'dark']) {
    const app = await open('tour=raft-membership-bug&ch=5', { viewport: SIZES.desktop });
    try {
      const { page, problems } = app;
      await page.emulateMedia({ colorScheme: scheme });
      await page.waitForSelector(byTestId('compare'));
      await until(async () => (await page.locator(`${byTestId('compare-right')} ${byTestId('violation')}`).count()) === 1,
        { what: 'the right run violated' });
      assert.match(await page.textContent(`${byTestId('compare-right')} ${byTestId('violation')}`), /Configuration Overlap/);
      assert.equal(await page.locator(`${byTestId('compare-left')} ${byTestId('violation')}`).count(), 0);
      const right = await page.$eval(`${byTestId('compare-right')} ${byTestId('config')}`, (e) => e.dataset.voters);
      const left = await page.$eval(`${byTestId('compare-left')} ${byTestId('config')}`, (e) => e.dataset.voters);
      assert.ok(left && right, 'both runs show a configuration');
      await assertConfigReadable(page, `compare ${scheme}`);
      await screenshot(page, `membership-bug-1440x900-${scheme}`);
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});
