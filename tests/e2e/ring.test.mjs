// The consistent-hashing page (?p=ring): adding a node moves only the keys on its arcs (one
// arc per virtual node) and all of them to it, removing one moves only its keys, hash mod N
// moves most keys; the state lives in the link and Back undoes a change; bad links warn; the
// protocol menu leads there and back; readable at three sizes, light and dark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, byTestId, screenshot, until, tourOpened, STRICT_CSP } from './harness.mjs';

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

/** Opens the ring page with query `q` and waits for the drawing, under the strict
 * Content-Security-Policy (a refused style or script shows up in `problems`). */
async function openRing(q, { viewport = SIZES.desktop, scheme = 'light' } = {}) {
  const site = await serve({ headers: { 'content-security-policy': STRICT_CSP } });
  const b = await launch({ viewport });
  await b.page.emulateMedia({ colorScheme: scheme });
  await b.page.goto(`${site.url}?${q}`);
  await b.page.waitForSelector(byTestId('ring'), { timeout: 20000 });
  await tourOpened(b.page);
  return {
    ...b,
    site,
    async close() {
      await b.browser.close();
      await site.close();
    },
  };
}

/** What the page shows: the ring's counts, every key and every outlined arc. */
async function state(page) {
  return page.evaluate(() => {
    const ring = document.querySelector('[data-testid="ring"]');
    const keys = [...document.querySelectorAll('[data-testid^="key-"]')].map((e) => ({
      key: Number(e.dataset.testid.slice(4)),
      owner: Number(e.dataset.owner),
      was: Number(e.dataset.was),
      moved: e.dataset.moved === '1',
      modMoved: e.dataset.modMoved === '1',
      onArc: e.dataset.onChangedArc === '1',
    }));
    const arcs = [...document.querySelectorAll('[data-testid="changed-arc"]')].map((e) => ({
      from: Number(e.dataset.from),
      to: Number(e.dataset.to),
    }));
    return {
      keys,
      arcs,
      moved: Number(ring.dataset.moved),
      modMoved: Number(ring.dataset.modMoved),
      share: Number(ring.dataset.changedShare),
      fair: Number(ring.dataset.fairShare),
      gridRing: Number(document.querySelector('[data-testid="grid-ring"]').dataset.moved),
      gridMod: Number(document.querySelector('[data-testid="grid-mod"]').dataset.moved),
      summary: document.querySelector('[data-testid="ring-summary"]').textContent,
    };
  });
}

test('adding a node moves only the keys of one arc per virtual node, all to it; mod N moves most', async () => {
  const app = await openRing('p=ring&n=5&vn=8&keys=400&r=3&seed=3');
  try {
    const { page, problems } = app;
    const before = await state(page);
    assert.equal(before.keys.length, 400);
    assert.equal(before.moved, 0);
    assert.equal(before.arcs.length, 0);
    await page.click(byTestId('ring-add'));
    await until(async () => (await state(page)).summary.includes('S6 joined'), { what: 'S6 joined' });
    const s = await state(page);
    assert.equal(s.arcs.length, 8, 'one changed arc per virtual node of S6');
    assert.ok(s.arcs.every((a) => a.to === 6 && a.from !== 6), JSON.stringify(s.arcs));
    const moved = s.keys.filter((k) => k.moved);
    assert.equal(moved.length, s.moved);
    assert.equal(s.gridRing, s.moved, 'the grid counts what the ring counts');
    assert.ok(moved.every((k) => k.owner === 6), 'every moved key went to the newcomer');
    assert.deepEqual(
      s.keys.filter((k) => k.onArc !== k.moved),
      [],
      'a key moved exactly when it lies on an outlined arc',
    );
    // Each key on the ring is where the engine says it should be, and it moved where it was
    // before the change: nothing else changed owner.
    const stayed = s.keys.filter((k) => !k.moved);
    const was = new Map(before.keys.map((k) => [k.key, k.owner]));
    assert.ok(stayed.every((k) => was.get(k.key) === k.owner));
    assert.ok(moved.every((k) => was.get(k.key) === k.was));
    // 400 keys sample the outlined arcs' share of the circle: three binomial deviations.
    const frac = s.moved / 400;
    assert.ok(Math.abs(frac - s.share) < 0.06, `moved ${frac}, arcs ${s.share}`);
    assert.ok(Math.abs(s.fair - 1 / 6) < 1e-6);
    // hash mod N keeps a key only when h mod 5 == h mod 6: about 1/6 of them.
    assert.ok(s.modMoved / 400 > 0.7, `mod N moved ${s.modMoved}`);
    assert.equal(s.gridMod, s.modMoved);
    assert.equal(s.keys.filter((k) => k.modMoved).length, s.modMoved);
    assert.match(page.url(), /changes=add6/);
    await screenshot(page, 'ring-add');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('removing a node moves only its keys, to the next node clockwise; undo and Back return', async () => {
  const app = await openRing('p=ring&n=6&vn=8&keys=200&r=2&seed=5');
  try {
    const { page, problems } = app;
    const before = await state(page);
    const owned = before.keys.filter((k) => k.owner === 3).map((k) => k.key);
    await page.click(byTestId('ring-remove-3'));
    await until(async () => (await state(page)).summary.includes('S3 left'), { what: 'S3 left' });
    const s = await state(page);
    assert.equal(s.arcs.length, 8);
    assert.ok(s.arcs.every((a) => a.from === 3 && a.to !== 3));
    assert.deepEqual(
      s.keys.filter((k) => k.moved).map((k) => k.key),
      owned,
      'exactly the keys S3 owned moved',
    );
    assert.ok(s.keys.every((k) => k.owner !== 3));
    assert.ok(s.keys.filter((k) => k.moved).every((k) => k.onArc && k.was === 3));
    assert.equal(await page.$(byTestId('ring-node-3')), null, 'S3 is off the node table');
    assert.ok(s.modMoved > s.moved, `mod N ${s.modMoved} vs ring ${s.moved}`);
    // Another change, then undo, then the browser's Back: each returns one step.
    await page.click(byTestId('ring-add'));
    await until(async () => (await state(page)).summary.includes('S7 joined'), { what: 'S7 joined' });
    await page.click(byTestId('ring-undo'));
    await until(async () => (await state(page)).summary.includes('S3 left'), { what: 'undo to S3 left' });
    await page.goBack();
    await until(async () => (await state(page)).summary.includes('S7 joined'), { what: 'Back to S7 joined' });
    await page.goBack();
    await until(async () => (await state(page)).summary.includes('S3 left'), { what: 'Back to S3 left' });
    assert.match(page.url(), /changes=remove3(&|$)/);
    // The link reopens the same ring.
    const other = await app.context.newPage();
    await other.goto(page.url());
    await other.waitForSelector(byTestId('ring'));
    const again = await state(other);
    assert.deepEqual(
      again.keys.map((k) => [k.owner, k.was]),
      s.keys.map((k) => [k.owner, k.was]),
    );
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test("a key's replicas are the next distinct nodes clockwise, and the selection is in the link", async () => {
  const app = await openRing('p=ring&n=5&vn=4&keys=60&r=3&seed=2');
  try {
    const { page, problems } = app;
    await page.click(byTestId('key-7'));
    const text = await page.textContent(byTestId('ring-selected'));
    const named = [...text.matchAll(/S(\d+)/g)].map((m) => Number(m[1]));
    const owner = Number(await page.getAttribute(byTestId('key-7'), 'data-owner'));
    assert.equal(named[0], owner, text);
    const replicas = await page.$$eval(byTestId('replica'), (els) => els.map((e) => Number(e.dataset.node)));
    assert.equal(replicas.length, 3);
    assert.equal(new Set(replicas).size, 3, 'distinct nodes');
    assert.equal(replicas[0], owner);
    assert.match(page.url(), /sel=k7/);
    await page.click(byTestId('key-7'));
    assert.equal((await page.$$(byTestId('replica'))).length, 0, 'a second click deselects');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('bad ring links warn and fall back; the protocol menu leads to the ring and back', async () => {
  let app = await openRing('p=ring&n=40&vn=x&ch=add6,remove9&sel=k999');
  try {
    const { page, problems } = app;
    const notice = await page.textContent(byTestId('notice'));
    for (const part of ['n=40', 'vn=x', 'remove9', 'sel=k999']) assert.ok(notice.includes(part), `${part} in ${notice}`);
    const s = await state(page);
    assert.equal(s.keys.length, 60);
    assert.ok(s.summary.includes('S6 joined'), 'the change that applies is kept');
    // The menu goes to a protocol; the protocol page's menu comes back.
    await page.selectOption(byTestId('protocol'), 'paxos');
    await page.waitForSelector(byTestId('clock'));
    assert.match(page.url(), /protocol=paxos/);
    await page.selectOption(byTestId('protocol'), 'ring');
    await page.waitForSelector(byTestId('ring'));
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
  // An unknown page name says where the ring is.
  app = await openRing('p=ring');
  try {
    await app.page.goto(`${app.site.url}?p=rings`);
    await app.page.waitForSelector(byTestId('clock'));
    assert.match(await app.page.textContent(byTestId('notice')), /unknown protocol 'rings'.*ring/);
  } finally {
    await app.close();
  }
});

const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

test('the ring page reads at 1440x900, in the 640x400 embed and on a 390x844 phone, light and dark', async () => {
  const q = 'p=ring&n=5&vn=8&keys=60&r=3&seed=1&changes=add6&sel=k3';
  for (const [name, viewport] of Object.entries(SIZES)) {
    for (const scheme of ['light', 'dark']) {
      const embed = name === 'embed' ? '&embed=1' : '';
      const app = await openRing(q + embed, { viewport, scheme });
      const where = `${name} ${scheme}`;
      try {
        const { page, problems } = app;
        // Let the moved keys' recolouring and the arcs' flash finish before the picture.
        await new Promise((r) => setTimeout(r, 1800));
        const texts = await page.$$eval('.ring text', (els) =>
          els
            .filter((e) => e.textContent.trim() !== '')
            .map((e) => ({
              text: e.textContent,
              px: parseFloat(getComputedStyle(e).fontSize) * e.ownerSVGElement.getScreenCTM().a,
              box: e.getBoundingClientRect().toJSON(),
              label: e.classList.contains('node-label'),
            })),
        );
        assert.ok(texts.length > 5, `${where}: the ring has labels`);
        assert.deepEqual(texts.filter((t) => t.px < 10.99), [], `${where}: ring text below 11 px`);
        const labels = texts.filter((t) => t.label);
        for (let i = 0; i < labels.length; i++) {
          for (let j = i + 1; j < labels.length; j++) {
            assert.ok(!overlap(labels[i].box, labels[j].box), `${where}: ${labels[i].text} and ${labels[j].text} overlap`);
          }
        }
        const html = await page.$$eval('.ring-side *, .settings *, .open-full', (els) =>
          els
            .filter((e) => e.offsetParent && [...e.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()))
            .map((e) => ({ text: e.textContent.slice(0, 30), px: parseFloat(getComputedStyle(e).fontSize) })),
        );
        assert.deepEqual(html.filter((t) => t.px < 11), [], `${where}: page text below 11 px`);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(wide <= 0, `${where}: the page scrolls sideways by ${wide}px`);
        if (name === 'embed') {
          // The embed fits its frame: the buttons and both grids in view, nothing scrolled.
          for (const id of ['ring-add', 'grid-ring', 'grid-mod', 'open-full']) {
            const b = await page.$eval(byTestId(id), (e) => e.getBoundingClientRect().toJSON());
            assert.ok(b.bottom <= viewport.height && b.right <= viewport.width, `${where}: ${id} out of the frame`);
          }
        }
        await screenshot(page, `ring-${name}-${scheme}`);
        assert.deepEqual(problems, [], where);
      } finally {
        await app.close();
      }
    }
  }
});

/** The tour chapter's data attributes. */
const chapterOf = (page) => page.$eval(byTestId('tour-chapter'), (e) => ({ ...e.dataset }));

test('each page loads only its own WebAssembly, whichever link opens it', async () => {
  const app = await openRing('p=ring');
  const { page, site } = app;
  try {
    const loaded = () => site.requests.filter((r) => r.endsWith('.wasm')).map((r) => r.split('/').pop());
    assert.deepEqual(loaded(), ['ring-page_bg.wasm'], 'the ring page');
    site.requests.length = 0;
    await page.goto(`${site.url}?protocol=raft&seed=2`);
    await page.waitForSelector(byTestId('clock'), { timeout: 20000 });
    assert.equal(loaded().length, 1, 'the protocol page');
    assert.match(loaded()[0], /^consensus-lab-.*_bg\.wasm$/);
    // The long form of p=ring opens it too.
    site.requests.length = 0;
    await page.goto(`${site.url}?protocol=ring&n=5`);
    await page.waitForSelector(byTestId('ring'), { timeout: 20000 });
    assert.deepEqual(loaded(), ['ring-page_bg.wasm'], 'protocol=ring');
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test('the ring-rebalance tour: Next moves through its rings, the counts match the story, Close keeps the ring', async () => {
  const app = await openRing('p=ring&tour=ring-rebalance');
  try {
    const { page, problems } = app;
    // What each chapter's expectations say (crates/engine/transcripts/tours/ring-rebalance.txt).
    const want = [
      { arcs: 0, moved: 0 },
      { arcs: 1, moved: 2, modMoved: 29, summary: 'S5 joined' },
      { arcs: 1, moved: 16, keys: 200 },
      { arcs: 64, moved: 39, modMoved: 155 },
      { arcs: 64, moved: 39, replicas: [3, 1, 5] },
      { arcs: 64, moved: 46, summary: 'S2 left' },
    ];
    for (let i = 0; i < want.length; i++) {
      await until(async () => (await chapterOf(page)).index === String(i), { what: `chapter ${i}` });
      const c = await chapterOf(page);
      assert.equal(c.count, String(want.length));
      assert.equal(c.checks, 'pass', `chapter ${i + 1}'s checks`);
      const s = await state(page);
      const w = want[i];
      assert.equal(s.arcs.length, w.arcs, `chapter ${i + 1} arcs`);
      assert.equal(s.moved, w.moved, `chapter ${i + 1} moved`);
      assert.equal(s.gridRing, w.moved);
      if (w.modMoved !== undefined) assert.equal(s.modMoved, w.modMoved);
      if (w.keys) assert.equal(s.keys.length, w.keys);
      if (w.summary) assert.ok(s.summary.includes(w.summary), s.summary);
      if (w.replicas) {
        const r = await page.$$eval(byTestId('replica'), (els) => els.map((e) => Number(e.dataset.node)));
        assert.deepEqual(r, w.replicas);
      }
      assert.match(page.url(), new RegExp(`tour=ring-rebalance&ch=${i + 1}$`));
      if (i + 1 < want.length) await page.click(byTestId('tour-next'));
    }
    assert.ok(await page.isDisabled(byTestId('tour-next')));
    await page.click(byTestId('tour-prev'));
    await until(async () => (await chapterOf(page)).index === '4', { what: 'back one chapter' });
    // Changing the ring leaves the script; Back to chapter returns.
    await page.click(byTestId('ring-add'));
    await until(async () => (await chapterOf(page)).stage === 'off', { what: 'off script' });
    await page.click(byTestId('tour-back'));
    await until(async () => (await chapterOf(page)).stage === 'story', { what: 'back on the story' });
    // Close keeps the chapter's ring as a plain ring page.
    await page.click(byTestId('tour-close'));
    await until(async () => (await page.$$(byTestId('tour-panel'))).length === 0, { what: 'closed' });
    assert.match(page.url(), /vnodes=64&keys=200.*changes=add5/);
    assert.equal((await state(page)).moved, 39);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('the ring tour reads at 1440x900, in the 640x400 embed and on a 390x844 phone, light and dark', async () => {
  for (const [name, viewport] of Object.entries(SIZES)) {
    for (const scheme of ['light', 'dark']) {
      const embed = name === 'embed' ? '&embed=1' : '';
      const app = await openRing(`p=ring&tour=ring-rebalance&ch=2${embed}`, { viewport, scheme });
      const where = `${name} ${scheme}`;
      try {
        const { page, problems } = app;
        await new Promise((r) => setTimeout(r, 1800));
        const small = await page.$$eval('[data-testid="tour-panel"] *, .ring-side *', (els) =>
          els
            .filter((e) => e.offsetParent && [...e.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim()))
            .map((e) => ({ text: e.textContent.slice(0, 30), px: parseFloat(getComputedStyle(e).fontSize) }))
            .filter((t) => t.px < 11),
        );
        assert.deepEqual(small, [], `${where}: text under 11 px`);
        const onTop = await page.$eval(byTestId('tour-panel'), (e) => {
          const b = e.getBoundingClientRect();
          return e.contains(document.elementFromPoint(b.x + Math.min(40, b.width / 2), b.y + Math.min(30, b.height / 2)));
        });
        assert.ok(onTop, `${where}: the tour panel is on top`);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(wide <= 0, `${where}: the page scrolls sideways by ${wide}px`);
        await screenshot(page, `ring-tour-${name}-${scheme}`);
        assert.deepEqual(problems, [], where);
      } finally {
        await app.close();
      }
    }
  }
});
