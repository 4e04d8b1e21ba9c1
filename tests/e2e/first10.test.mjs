// The first ten minutes (issue 21): what a new user meets first. The ring page's styles stay
// on the ring page; commit protocols show their outcome on the nodes; each protocol has its
// own legend, with requests and replies told apart; a first visit gets a first step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, ready, byTestId, until, screenshot } from './harness.mjs';

const SIZES = {
  desktop: { width: 1440, height: 900 },
  embed: { width: 640, height: 400 },
  phone: { width: 390, height: 844 },
};

const openLegend = async (page) => {
  if ((await page.getAttribute(byTestId('legend'), 'open')) === null) {
    await page.click(`${byTestId('legend')} summary`);
  }
};

/** Computed styles of the log strips under the nodes and of the legend's swatches. */
const styles = (page) =>
  page.evaluate(() => {
    const st = (e) => getComputedStyle(e);
    const box = (sel) => {
      const e = document.querySelector(sel);
      if (!e) return null;
      const b = e.getBoundingClientRect();
      const s = st(e);
      return { w: b.width, h: b.height, radius: s.borderRadius, bg: s.backgroundColor, opacity: s.opacity };
    };
    return {
      strips: [...document.querySelectorAll('.node-under .log .cell')].map((g) => ({
        g: Number(st(g).opacity),
        rect: Number(st(g.querySelector('rect')).opacity),
        pending: g.classList.contains('pending'),
      })),
      ring: box('.legend .swatch.ring'),
      cell: box('.legend .swatch.cell:not(.pending)'),
      violation: box('.legend .swatch.bar.violation'),
    };
  });

test('the ring page styles stay there: log strips and legend swatches, all sizes, light and dark', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    const app = await open(`p=raft&seed=1&t=6s${embed}`, { viewport });
    try {
      const { page, problems } = app;
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await openLegend(page);
        const s = await styles(page);
        const where = `${size} ${scheme}`;
        if (size !== 'embed') {
          // The embed's small circles leave no room for strips.
          assert.ok(s.strips.some((c) => !c.pending), `${where}: committed cells drawn`);
        }
        for (const c of s.strips) {
          assert.equal(c.g, 1, `${where}: a log cell's group is not faded`);
          assert.equal(c.rect, c.pending ? 0.45 : 1, `${where}: committed solid, pending pale`);
        }
        assert.ok(s.ring && s.ring.w <= 16 && s.ring.h <= 16, `${where}: the timer swatch is a small ring (${JSON.stringify(s.ring)})`);
        assert.equal(Number(s.cell.opacity), 1, `${where}: the committed-cell swatch is solid`);
        if (s.violation) {
          assert.ok(s.violation.w <= 4, `${where}: the violation mark is a bar (${JSON.stringify(s.violation)})`);
          assert.equal(s.violation.radius, '0px', `${where}: not a pill`);
        }
        await screenshot(page, `first10-legend-${size}-${scheme}`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});

const decisions = (page) =>
  page.$$eval('[data-testid^="node-"]', (els) =>
    els
      .filter((e) => /^node-\d+$/.test(e.dataset.testid))
      .map((e) => ({
        id: Number(e.dataset.testid.slice(5)),
        decision: e.dataset.decision ?? null,
        fill: getComputedStyle(e.querySelector('.body')).fill,
        text: [...e.querySelectorAll('text')].map((t) => t.textContent).join(' '),
        below: document.querySelector(`[data-testid="under-${e.dataset.testid.slice(5)}"]`)?.textContent ?? '',
      }))
      .sort((a, b) => a.id - b.id),
  );

test('2PC and 3PC nodes show their decision: colour, word and data-decision', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    // A 2PC run that has committed its first transaction everywhere.
    const app = await open(`p=2pc&seed=1&t=1s${embed}`, { viewport });
    try {
      const { page, problems } = app;
      // Requests keep coming: the coordinator may be busy with the next one.
      const ns = (await decisions(page)).filter((n) => n.decision === 'commit');
      assert.ok(ns.length >= 3, `${size}: participants show their commit ${JSON.stringify(ns)}`);
      for (const n of ns) assert.match(n.text + n.below, /committed/, `${size}: the word is on S${n.id}`);
      assert.equal(new Set(ns.map((n) => n.fill)).size, 1, `${size}: one colour for one outcome`);
      const busy = (await decisions(page)).filter((n) => n.decision === null);
      assert.ok(busy.every((n) => !ns.some((c) => c.fill === n.fill)), `${size}: undecided nodes look different`);
      // The tour's partition: S1 and S2 commit, S3 and S4 abort, and the nodes say so.
      await page.goto(`${app.site.url}?tour=3pc-partition&ch=3${embed}`);
      await ready(page);
      await page.click(byTestId('play'));
      const split = await until(
        async () => {
          const d = await decisions(page);
          return d.length === 4 && d[3].decision === 'abort' && d[0].decision === 'commit' ? d : null;
        },
        { what: '3PC decides on both sides', timeout: 30000 },
      );
      assert.deepEqual(split.map((n) => n.decision), ['commit', 'commit', 'abort', 'abort']);
      assert.notEqual(split[0].fill, split[3].fill, `${size}: commit and abort differ in colour`);
      assert.match(split[3].text + split[3].below, /aborted/);
      await screenshot(page, `first10-3pc-decisions-${size}`);
      // Nothing else has a decision to show.
      await page.goto(`${app.site.url}?p=raft&t=2s${embed}`);
      await page.waitForSelector(byTestId('clock'));
      assert.ok((await decisions(page)).every((n) => n.decision === null), 'Raft nodes carry no data-decision');
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});

/** The legend's node entries and message colours. */
const legend = (page) =>
  page.evaluate(() => {
    const items = [...document.querySelectorAll('[data-testid="legend"] li[data-legend]')];
    return items.map((li) => ({
      key: li.dataset.legend,
      text: li.textContent,
      bg: getComputedStyle(li.querySelector('.swatch')).backgroundColor,
    }));
  });

test('one legend per protocol, from what it draws; requests and replies differ', async () => {
  const app = await open('p=2pc&seed=1&t=1s', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    const go = async (q) => {
      await page.goto(`${app.site.url}?${q}`);
      await page.waitForSelector(byTestId('clock'));
      await openLegend(page);
      return legend(page);
    };
    const tpc = await go('p=2pc&seed=1&t=1s');
    const text = tpc.map((e) => e.text).join(' | ');
    assert.match(text, /blocked/, '2PC explains blocked');
    assert.match(text, /prepared/, '2PC explains prepared');
    assert.match(text, /committed/);
    assert.doesNotMatch(text, /candidate|follower\b|stale leader/, `2PC's legend is not Raft's: ${text}`);
    // A participant's swatch is the colour the participant is drawn in.
    const participant = tpc.find((e) => e.key === 'role-follower');
    const blocked = tpc.find((e) => e.key === 'role-blocked');
    const fillOf = (cls) =>
      page.evaluate((cls) => {
        const c = document.createElementNS('http://www.w3.org/2000/svg', 'g');
        c.setAttribute('class', `node ${cls}`);
        const b = document.createElementNS('http://www.w3.org/2000/svg', 'circle');
        b.setAttribute('class', 'body');
        c.appendChild(b);
        document.querySelector('svg.cluster').appendChild(c);
        const f = getComputedStyle(b).fill;
        c.remove();
        return f;
      }, cls);
    assert.equal(participant.bg, await fillOf('role-follower'), 'participant swatch = participant colour');
    assert.equal(blocked.bg, await fillOf('role-blocked'), 'blocked swatch = blocked colour');
    const paxos = await go('p=paxos&t=1s');
    const acceptor = paxos.find((e) => /acceptor/.test(e.text));
    assert.ok(acceptor, 'Paxos names acceptors');
    assert.equal(acceptor.bg, await fillOf(acceptor.key), 'acceptor swatch = acceptor colour');
    for (const [q, pairs] of [
      ['p=raft&t=1s', [['RequestVote', 'RequestVoteReply'], ['PreVote', 'PreVoteReply'], ['AppendEntries', 'AppendEntriesReply']]],
      ['p=zab&t=1s', [['NewEpoch', 'AckEpoch'], ['Proposal', 'Ack'], ['Ping', 'PingAck']]],
    ]) {
      const entries = await go(q);
      const colour = (k) => entries.find((e) => e.key === k)?.bg;
      for (const [req, rep] of pairs) {
        assert.ok(colour(req) && colour(rep), `${q}: ${req} and ${rep} listed`);
        assert.notEqual(colour(req), colour(rep), `${q}: ${req} and its reply differ`);
      }
      const kinds = entries.filter((e) => !e.key.startsWith('role-') && e.key !== 'stale' && !e.key.startsWith('decision-'));
      assert.equal(new Set(kinds.map((k) => k.bg)).size, kinds.length, `${q}: every message kind its own colour`);
      if (q.startsWith('p=raft')) await screenshot(page, 'first10-legend-raft-desktop');
    }
    await go('p=2pc&seed=1&t=1s');
    await page.locator(byTestId('legend')).scrollIntoViewIfNeeded();
    await screenshot(page, 'first10-legend-2pc-desktop');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

/** Text in `sel` rendered below 11 px. */
const tiny = (page, sel) =>
  page.$$eval(`${sel} *`, (els) =>
    els
      .filter((e) => e.offsetParent && e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
      .map((e) => ({ text: e.textContent.trim().slice(0, 30), px: parseFloat(getComputedStyle(e).fontSize) }))
      .filter((t) => t.px < 11),
  );

const box = (page, id) => page.$eval(byTestId(id), (e) => e.getBoundingClientRect().toJSON());

test('a bare first visit gets a welcome card, dismissed for good; links and embeds do not', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const app = await open('', { viewport });
    try {
      const { page, problems } = app;
      if (size === 'embed') {
        // A bare link in a small window is still the full page, and a first visit.
        assert.ok(await page.isVisible(byTestId('welcome')));
      }
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        for (const id of ['welcome', 'welcome-tour', 'welcome-play', 'welcome-break', 'welcome-close']) {
          assert.ok(await page.isVisible(byTestId(id)), `${size}: ${id} shows`);
        }
        assert.deepEqual(await tiny(page, byTestId('welcome')), [], `${size}: welcome text at least 11 px`);
        const w = await box(page, 'welcome');
        assert.ok(w.y + w.height <= viewport.height, `${size}: the card is on the first screen`);
        await screenshot(page, `first10-welcome-${size}-${scheme}`);
      }
      await page.click(byTestId('welcome-close'));
      assert.equal(await page.$(byTestId('welcome')), null, 'one click closes it');
      await page.reload();
      await page.waitForSelector(byTestId('clock'));
      assert.equal(await page.$(byTestId('welcome')), null, 'and it stays closed');
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
  for (const q of ['p=raft', 'embed=1', 'tour=raft-election', 'seed=4']) {
    const app = await open(q, { viewport: SIZES.desktop });
    try {
      assert.equal(await app.page.$(byTestId('welcome')), null, `${q}: no welcome`);
    } finally {
      await app.close();
    }
  }
});

test('the welcome choices: the tour, a run that plays, a run that breaks', async () => {
  const app = await open('', { viewport: SIZES.desktop });
  try {
    const { page, site, problems } = app;
    const fresh = async () => {
      await page.evaluate(() => localStorage.clear());
      await page.goto(site.url);
      await page.waitForSelector(byTestId('welcome'));
    };
    await page.click(byTestId('welcome-tour'));
    await page.waitForSelector(byTestId('tour-panel'));
    assert.match(page.url(), /tour=raft-election/);
    assert.equal(await page.$(byTestId('welcome')), null);
    await fresh();
    await page.click(byTestId('welcome-play'));
    await until(async () => Number(await page.getAttribute(byTestId('clock'), 'data-us')) > 0, { what: 'the run plays' });
    await fresh();
    await page.click(byTestId('welcome-break'));
    await page.waitForSelector(byTestId('violation'), { timeout: 30000 });
    assert.match(await page.textContent(byTestId('violation')), /Atomicity/);
    assert.match(await page.textContent(byTestId('badges')), /unilateral/);
    await screenshot(page, 'first10-break-it-desktop');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('the fault bar sits beside the cluster on the first screen and does what it says', async () => {
  for (const size of ['desktop', 'phone']) {
    const viewport = SIZES[size];
    // The tallest first screen: the welcome card up as well.
    const app = await open('', { viewport });
    try {
      const { page, problems } = app;
      const bar = await box(page, 'fault-bar');
      const cluster = await box(page, 'cluster');
      assert.ok(bar.y >= 0 && bar.y + bar.height <= viewport.height, `${size}: on the first screen (${JSON.stringify(bar)})`);
      assert.ok(bar.y + bar.height <= cluster.y + 2, `${size}: right above the cluster`);
      assert.ok(cluster.y - (bar.y + bar.height) < 40, `${size}: next to it`);
      assert.deepEqual(await tiny(page, byTestId('fault-bar')), [], `${size}: readable`);
      for (const id of ['fault-partition', 'fault-heal', 'fault-crash-leader', 'fault-drop']) {
        const b = await box(page, id);
        assert.ok(b.y + b.height <= viewport.height, `${size}: ${id} on the first screen`);
      }
      await screenshot(page, `first10-fault-bar-${size}`);
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
  const app = await open('p=raft&seed=1&t=3s', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    await page.click(byTestId('fault-partition'));
    await until(async () => (await page.$$('.link.cut')).length > 0, { what: 'cut links' });
    await page.click(byTestId('fault-heal'));
    await until(async () => (await page.$$('.link.cut')).length === 0, { what: 'healed' });
    await page.click(byTestId('fault-crash-leader'));
    await until(async () => (await page.$$('[data-testid^="node-"][data-up="false"]')).length === 1, { what: 'the leader down' });
    const down = await page.getAttribute('[data-testid^="node-"][data-up="false"]', 'data-role');
    assert.equal(down, 'crashed');
    // Losses at one spot share a mark and count there.
    const lost = () => page.$$eval('.cluster .dead', (els) => els.reduce((n, e) => n + Number(e.dataset.count), 0));
    const before = await lost();
    await page.click(byTestId('fault-drop'));
    // The next message dies where it is: a cross marks it.
    await until(async () => (await lost()) > before, { what: 'a message dropped' });
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
  const embed = await open('t=1s&embed=1', { viewport: SIZES.embed });
  try {
    assert.equal(await embed.page.$(byTestId('fault-bar')), null, 'the embed keeps to cluster and transport');
  } finally {
    await embed.close();
  }
});

const chapterIndex = (page) => page.getAttribute(byTestId('tour-chapter'), 'data-index');

test('the phone tour sheet folds to a one-line strip with the chapter title and Next', async () => {
  const app = await open('tour=raft-election&ch=2', { viewport: SIZES.phone });
  try {
    const { page, problems } = app;
    const open_ = await box(page, 'tour-panel');
    assert.ok(open_.height > 150, `the sheet is open at first (${open_.height} px)`);
    await page.click(byTestId('tour-collapse'));
    const strip = await box(page, 'tour-panel');
    assert.ok(strip.height <= 56, `one line (${strip.height} px)`);
    assert.ok(strip.y + strip.height <= SIZES.phone.height + 1 && strip.y >= SIZES.phone.height - 60, 'at the bottom');
    const title = await page.$eval(`${byTestId('tour-chapter')} h3`, (e) => {
      const b = e.getBoundingClientRect();
      return { w: b.width, h: b.height, text: e.textContent };
    });
    assert.ok(title.w > 100 && title.h > 0 && title.h < 24, `the chapter title shows on one line ${JSON.stringify(title)}`);
    assert.ok(await page.isVisible(byTestId('tour-next')), 'Next shows');
    assert.ok(!(await page.isVisible(`${byTestId('tour-chapter')} .tour-text`)), 'the text is folded away');
    // The cluster above is no longer covered.
    const cluster = await box(page, 'cluster');
    assert.ok(cluster.y + cluster.height * 0.8 < strip.y, 'most of the cluster shows above the strip');
    await screenshot(page, 'first10-tour-collapsed-phone');
    await page.click(byTestId('tour-next'));
    await until(async () => (await chapterIndex(page)) === '2', { what: 'Next works folded' });
    await page.click(byTestId('tour-collapse'));
    assert.ok((await box(page, 'tour-panel')).height > 150, 'it opens again');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
  const desk = await open('tour=raft-election&ch=2', { viewport: SIZES.desktop });
  try {
    assert.ok(!(await desk.page.isVisible(byTestId('tour-collapse'))), 'the desktop panel has room: no fold');
  } finally {
    await desk.close();
  }
});

test('the embed strip shows the whole chapter, or a visible "more" that opens it', async () => {
  const app = await open('tour=3pc-partition&ch=3&embed=1', { viewport: SIZES.embed });
  try {
    const { page, problems } = app;
    const hidden = () => page.$eval(`${byTestId('tour-chapter')} .tour-text`, (e) => e.scrollHeight - e.clientHeight);
    if ((await hidden()) > 1) {
      assert.ok(await page.isVisible(byTestId('tour-more')), 'a cut chapter has a visible "more"');
      assert.deepEqual(await tiny(page, byTestId('tour-panel')), []);
      await screenshot(page, 'first10-tour-embed-more');
      await page.click(byTestId('tour-more'));
      assert.ok((await hidden()) <= 1, 'more opens the whole chapter');
      await screenshot(page, 'first10-tour-embed-opened');
    }
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('big=1 keeps the tour panel, with large text', async () => {
  const app = await open('tour=raft-election&ch=2&big=1', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    assert.ok(await page.isVisible(byTestId('tour-panel')), 'the tour panel shows');
    const px = await page.$eval(byTestId('tour-chapter'), (e) => ({
      h3: parseFloat(getComputedStyle(e.querySelector('h3')).fontSize),
      p: parseFloat(getComputedStyle(e.querySelector('p')).fontSize),
    }));
    assert.ok(px.h3 >= 20 && px.p >= 18, `large text ${JSON.stringify(px)}`);
    await screenshot(page, 'first10-tour-big');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('compare: a violation box does not push its side down; labels say which side broke', async () => {
  for (const size of ['desktop', 'phone']) {
    const app = await open('tour=raft-figure-8&ch=99', { viewport: SIZES[size] });
    try {
      const { page, problems } = app;
      // The last chapter: the buggy run has broken safety, the correct one has not.
      const count = await page.getAttribute(byTestId('tour-chapter'), 'data-count');
      await page.goto(`${app.site.url}?tour=raft-figure-8&ch=${count}`);
      await until(async () => (await chapterIndex(page).catch(() => null)) === String(Number(count) - 1), { what: 'the last chapter' });
      await page.waitForSelector(byTestId('compare-right'));
      await until(async () => (await page.$$(`${byTestId('compare')} ${byTestId('violation')}`)).length > 0, { what: 'a violation on one side' });
      const sides = await page.evaluate(() =>
        ['left', 'right'].map((s) => {
          const side = document.querySelector(`[data-testid="compare-${s}"]`);
          const label = side.querySelector('.compare-label');
          return {
            y: side.querySelector('.cluster-box').getBoundingClientRect().y,
            broke: !!side.querySelector('[data-testid="violation"]'),
            colour: getComputedStyle(label).color,
          };
        }),
      );
      const [bad, good] = await page.evaluate(() => {
        const c = (v) => {
          const e = document.createElement('span');
          e.style.color = `var(${v})`;
          document.body.appendChild(e);
          const col = getComputedStyle(e).color;
          e.remove();
          return col;
        };
        return [c('--bad'), c('--good')];
      });
      for (const s of sides) assert.equal(s.colour, s.broke ? bad : good, `${size}: a label is red exactly when its side broke`);
      if (size === 'desktop') {
        assert.ok(Math.abs(sides[0].y - sides[1].y) <= 2, `${size}: both clusters start level (${sides[0].y} vs ${sides[1].y})`);
      }
      await screenshot(page, `first10-compare-${size}`);
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});

/** WCAG contrast ratio of two rgb() colours. */
const contrast = (a, b) => {
  const lum = (c) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

test('the smaller things: seed notice, option descriptions, Tours menu, crashed nodes, import, worker', async () => {
  const app = await open('p=raft&seed=1&t=2s', { viewport: SIZES.desktop });
  const warnings = [];
  try {
    const { page, problems } = app;
    page.on('console', (m) => warnings.push(m.text()));
    // A new seed says the run restarts and that Back restores it.
    await page.fill(byTestId('seed'), '5');
    await page.press(byTestId('seed'), 'Enter');
    await page.waitForSelector(byTestId('notice'));
    assert.match(await page.textContent(byTestId('notice')), /New seed.*0 s.*Back/);
    // An option's description sits under its name.
    await page.click('.settings .more summary');
    const glued = await page.$$eval('.settings .toggle .why', (els) =>
      els
        .filter((e) => e.offsetParent)
        .map((e) => {
          const name = e.parentElement.querySelector('input').getBoundingClientRect();
          return { text: e.textContent.slice(0, 20), below: e.getBoundingClientRect().top >= name.bottom - 1 };
        })
        .filter((w) => !w.below),
    );
    assert.deepEqual(glued, [], 'descriptions start on their own line');
    // Escape closes the Tours menu; its list has a scroll cue.
    await page.click(`${byTestId('tours')} summary`);
    assert.notEqual(await page.getAttribute(byTestId('tours'), 'open'), null);
    const cue = await page.$eval('.tours-body', (e) => getComputedStyle(e).backgroundImage);
    assert.match(cue, /gradient/, 'shadows say there is more to scroll');
    await page.keyboard.press('Escape');
    assert.equal(await page.getAttribute(byTestId('tours'), 'open'), null, 'Escape closes it');
    // The import control reads whole.
    const imp = await page.$eval('.tabs .import', (e) => ({ text: e.innerText.trim(), opacity: getComputedStyle(e.querySelector('input')).opacity }));
    assert.equal(imp.text, 'Import trace');
    assert.equal(imp.opacity, '0', 'no squeezed "No fil...hosen"');
    // Crashed nodes: white text at 4.5:1 at least, light and dark.
    await page.click(byTestId('node-2'));
    await page.click(byTestId('crash'));
    for (const scheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme: scheme });
      const c = await page.$eval(byTestId('node-2'), (e) => ({
        body: getComputedStyle(e.querySelector('.body')).fill,
        text: getComputedStyle(e.querySelector('text')).fill,
        opacity: getComputedStyle(e).opacity,
      }));
      assert.equal(c.opacity, '1', `${scheme}: the node is not faded`);
      assert.ok(contrast(c.body, c.text) >= 4.5, `${scheme}: crashed text contrast ${contrast(c.body, c.text).toFixed(2)}`);
    }
    await screenshot(page, 'first10-crashed-dark');
    // The search worker starts without wasm-bindgen's deprecation warning.
    await page.click(`${byTestId('explore')} summary`);
    await page.click(byTestId('explore-start'));
    await page.waitForSelector(byTestId('explore-result'), { timeout: 60000 });
    assert.deepEqual(warnings.filter((w) => /deprecated/i.test(w)), []);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test("zab-recovery's TRUNC chapter pauses with the TRUNC on its way", async () => {
  const app = await open('tour=zab-recovery&ch=5', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    assert.match(await page.textContent(`${byTestId('tour-chapter')} h3`), /TRUNC/);
    const flying = await page.$$eval('[data-kind="NewLeader"]', (els) => els.map((e) => e.getAttribute('aria-label')));
    assert.ok(flying.some((l) => /TRUNC/.test(l)), `a NEWLEADER with TRUNC in flight: ${JSON.stringify(flying)}`);
    await screenshot(page, 'first10-zab-trunc');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('a moving message is easy to press: 15 px off its dot still picks it', async () => {
  const app = await open('p=raft&seed=1&t=160ms', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    await page.click(byTestId('play'));
    await page.waitForSelector('[data-testid^="message-"]', { timeout: 10000 });
    await page.click(byTestId('play'));
    // Paused: every message dot's neighbourhood, away from nodes and other messages.
    const checks = await page.$$eval('[data-testid^="message-"]', (els) =>
      els.map((g) => {
        const dot = g.querySelector('circle:not(.hit)').getBoundingClientRect();
        const [cx, cy] = [dot.x + dot.width / 2, dot.y + dot.height / 2];
        const spots = [[15, 0], [-15, 0], [0, 15], [0, -15]].map(([dx, dy]) => document.elementFromPoint(cx + dx, cy + dy));
        // A spot on a node or on another message belongs to them.
        const free = spots.filter((e) => e && !e.closest('.node') && !(e.closest('.msg') && e.closest('.msg') !== g));
        return { id: g.dataset.testid, free: free.length, picked: free.filter((e) => e.closest('.msg') === g).length };
      }),
    );
    const free = checks.filter((c) => c.free > 0);
    assert.ok(free.length > 0, 'some message to aim at');
    for (const c of free) assert.equal(c.picked, c.free, `${c.id}: a press 15 px off its dot picks it`);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('2PC and 3PC legends speak of transactions and decisions, cells and timeline marks', async () => {
  const app = await open('p=2pc&seed=1&t=1s', { viewport: SIZES.desktop });
  try {
    const { page, problems } = app;
    const said = async (q) => {
      await page.goto(`${app.site.url}?${q}`);
      await page.waitForSelector(byTestId('clock'));
      await openLegend(page);
      return page.evaluate(() => ({
        words: Object.fromEntries([...document.querySelectorAll('[data-testid="legend"] [data-words]')].map((e) => [e.dataset.words, e.textContent])),
        leader: [...document.querySelectorAll('.marks .mark.leader title')].map((t) => t.textContent),
        commit: [...document.querySelectorAll('.marks .mark.commit title')].map((t) => t.textContent),
      }));
    };
    for (const p of ['2pc', '3pc']) {
      const s = await said(`p=${p}&seed=1&t=1s`);
      const text = Object.values(s.words).join(' | ');
      assert.doesNotMatch(text, /term|leader|committed yet/, `${p}: ${text}`);
      assert.match(s.words['cell-solid'], /decided/);
      assert.match(s.words['mark-leader'], /starts a transaction/);
      assert.match(s.words['mark-commit'], /decided/);
      assert.match(s.words.older, /older transactions not drawn/);
      assert.ok(s.leader.length > 0 && s.leader.every((t) => /^S1 starts txn #\d+ at /.test(t)), `${p}: ${s.leader[0]}`);
      assert.ok(s.commit.length > 0 && s.commit.every((t) => /transactions decided/.test(t)), `${p}: ${s.commit[0]}`);
      await page.locator(byTestId('legend')).scrollIntoViewIfNeeded();
      await screenshot(page, `first10-legend-words-${p}`);
    }
    const raft = await said('p=raft&seed=1&t=2s');
    assert.match(raft.words['cell-solid'], /colour = term/);
    assert.match(raft.words['mark-leader'], /a new leader/);
    assert.ok(raft.leader.every((t) => /leads term/.test(t)));
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('space-time opens on the whole of a short run; the first zoom click after "whole run" zooms', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    const app = await open(`p=raft&seed=1&t=120ms&view=spacetime${embed}`, { viewport });
    try {
      const { page, problems } = app;
      if (!(await page.isVisible(byTestId('st-whole')))) continue; // the embed may keep the cluster
      assert.equal(await page.getAttribute(byTestId('st-whole'), 'aria-pressed'), 'true', `${size}: a 120 ms run opens whole`);
      assert.match(await page.textContent(byTestId('st-span')), /^0 – 120ms$/);
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `first10-spacetime-short-${size}-${scheme}`);
      }
      await page.goto(`${app.site.url}?p=raft&seed=1&t=4s&view=spacetime${embed}`);
      await page.waitForSelector(byTestId('st-whole'));
      assert.equal(await page.getAttribute(byTestId('st-whole'), 'aria-pressed'), 'false', `${size}: a long run opens on its window`);
      await page.click(byTestId('st-whole'));
      assert.match(await page.textContent(byTestId('st-span')), /^0 – 4s$/);
      await page.click(byTestId('st-zoom-in'));
      assert.match(await page.textContent(byTestId('st-span')), /^1s – 4s$/, `${size}: one click in zooms`);
      assert.equal(await page.getAttribute(byTestId('st-whole'), 'aria-pressed'), 'false');
      await page.click(byTestId('st-zoom-out'));
      assert.equal(await page.getAttribute(byTestId('st-whole'), 'aria-pressed'), 'true', `${size}: one click out is the whole run again`);
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});

test('stacked loss marks read as several: one mark per spot, with its count', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    const app = await open(`tour=raft-figure-8&ch=4${embed}`, { viewport });
    try {
      const { page, problems } = app;
      const marks = await until(
        async () => {
          const m = await page.$$eval('svg.cluster', (svgs) =>
            svgs.map((svg) =>
              [...svg.querySelectorAll('.dead')].map((g) => {
                const b = g.querySelector('text').getBoundingClientRect();
                const count = g.querySelector('text.count');
                return {
                  x: b.x + b.width / 2,
                  y: b.y + b.height / 2,
                  n: Number(g.dataset.count),
                  count: count ? { text: count.textContent, px: parseFloat(getComputedStyle(count).fontSize) } : null,
                  title: g.querySelector('title').textContent,
                };
              }),
            ),
          );
          return m.flat().some((d) => d.n > 1) ? m : null;
        },
        { what: 'losses stacked at one spot', timeout: 30000 },
      );
      for (const ms of marks) {
        for (let i = 0; i < ms.length; i++) {
          for (let j = i + 1; j < ms.length; j++) {
            const [a, b] = [ms[i], ms[j]];
            assert.ok(Math.abs(a.x - b.x) >= 8 || Math.abs(a.y - b.y) >= 8, `${size}: two loss marks on one spot ${JSON.stringify([a, b])}`);
          }
        }
        for (const d of ms) {
          if (d.n > 1) {
            assert.equal(d.count?.text, `×${d.n}`, `${size}: a grouped mark says how many`);
            assert.ok(d.count.px >= 11, `${size}: its count is readable`);
            assert.match(d.title, new RegExp(`^${d.n} messages lost here`));
          } else {
            assert.equal(d.count, null);
          }
        }
      }
      // A count covers no node, no node's words or log strip, and no other count.
      const covered = await page.$$eval('svg.cluster', (svgs) =>
        svgs.flatMap((svg) => {
          const boxes = (sel) => [...svg.querySelectorAll(sel)].map((e) => e.getBoundingClientRect());
          const hit = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
          const counts = boxes('.dead text.count');
          const others = [...boxes('.node .body'), ...boxes('.below'), ...boxes('.log')];
          return counts.flatMap((c, i) =>
            [...others, ...counts.filter((_, j) => j !== i)].filter((o) => hit(c, o)).map((o) => [c.toJSON(), o.toJSON()]),
          );
        }),
      );
      assert.deepEqual(covered, [], `${size}: a count covers something`);
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `first10-losses-${size}-${scheme}`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});

test('on a phone the node just tapped stays above the inspector sheet', async () => {
  const app = await open('p=raft&seed=1&t=2s', { viewport: SIZES.phone });
  try {
    const { page, problems } = app;
    const ids = await page.$$eval('[data-testid^="node-"]', (els) => els.map((e) => e.dataset.testid).filter((t) => /^node-\d+$/.test(t)));
    assert.ok(ids.length >= 3);
    let shot = false;
    for (const id of ids) {
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.click(byTestId(id));
      await page.waitForSelector('.inspector.open');
      const { node, sheet } = await page.evaluate((id) => {
        const r = (e) => e.getBoundingClientRect().toJSON();
        return { node: r(document.querySelector(`[data-testid="${id}"] .body`)), sheet: r(document.querySelector('.inspector.open')) };
      }, id);
      assert.ok(node.y >= 0, `${id}: its top on screen (${node.y})`);
      assert.ok(node.y + node.height <= sheet.y + 1, `${id}: above the sheet (node ends at ${node.y + node.height}, sheet at ${sheet.y})`);
      if (!shot && node.y > 300) {
        for (const scheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme: scheme });
          await screenshot(page, `first10-phone-inspector-${scheme}`);
        }
        shot = true;
      }
      await page.click('.inspector.open .close');
    }
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
  // A side panel covers nothing: the page stays where it is.
  const desk = await open('p=raft&seed=1&t=2s', { viewport: SIZES.desktop });
  try {
    await desk.page.click(byTestId('node-3'));
    await desk.page.waitForSelector('.inspector.open');
    assert.equal(await desk.page.evaluate(() => window.scrollY), 0);
  } finally {
    await desk.close();
  }
});

test('a counterexample replay says which step is on screen: "step 8 of 8"', async () => {
  const app = await open('p=paxos&n=3&bug=paxos-ignore-promised-value', { viewport: SIZES.desktop });
  let link;
  try {
    const { page, problems } = app;
    assert.equal(await page.$(byTestId('replay-step')), null, 'a timed run counts no steps');
    await page.click(`${byTestId('explore')} summary`);
    await page.click(byTestId('explore-start'));
    await page.waitForSelector(`${byTestId('explore-result')}[data-found="true"]`, { timeout: 60000 });
    await page.waitForSelector(byTestId('replay-step'));
    const step = async () => page.textContent(byTestId('replay-step'));
    assert.equal(await step(), 'step 8 of 8', 'opened at the violation, the last step');
    await page.click(byTestId('step-back'));
    await until(async () => (await step()) === 'step 7 of 8', { what: 'one step back' });
    await page.click(byTestId('step'));
    await until(async () => (await step()) === 'step 8 of 8', { what: 'and forward' });
    link = page.url();
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    const q = new URL(link).search.slice(1);
    const other = await open(`${q}${embed}`, { viewport });
    try {
      const { page, problems } = other;
      await page.waitForSelector(byTestId('replay-step'));
      const b = await page.$eval(byTestId('replay-step'), (e) => ({
        ...e.getBoundingClientRect().toJSON(),
        px: parseFloat(getComputedStyle(e).fontSize),
        text: e.textContent,
      }));
      assert.match(b.text, /^step \d+ of 8$/);
      assert.ok(b.px >= 11 && b.width > 0 && b.x >= 0 && b.x + b.width <= viewport.width, `${size}: readable and on screen ${JSON.stringify(b)}`);
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        const c = await page.$eval(byTestId('replay-step'), (e) => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]);
        assert.ok(contrast(c[0], c[1]) >= 4.5, `${size} ${scheme}: step counter contrast ${contrast(c[0], c[1]).toFixed(2)}`);
        await screenshot(page, `first10-replay-step-${size}-${scheme}`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await other.close();
    }
  }
});

test('a commit node shows its newest decided transaction, and which, while a newer one is open', async () => {
  for (const [size, viewport] of Object.entries(SIZES)) {
    const embed = size === 'embed' ? '&embed=1' : '';
    // At 1 s the coordinator has just opened txn #10, and decided #1..#9.
    const app = await open(`p=2pc&seed=1&t=1s${embed}`, { viewport });
    try {
      const { page, problems } = app;
      const s1 = await page.$eval(byTestId('node-1'), (e) => ({
        decision: e.dataset.decision ?? null,
        log: e.dataset.log.split('|')[0].split(',').map((c) => c.split('/')),
        text: e.getAttribute('aria-label'),
      }));
      const open_ = s1.log.filter(([, , text]) => text === '?').map(([i]) => Number(i));
      const decided = s1.log.filter(([, , text]) => text !== '?').map(([i, , text]) => [Number(i), text]);
      assert.ok(open_.length > 0, `${size}: a newer transaction is open ${JSON.stringify(s1)}`);
      const [n, text] = decided[decided.length - 1];
      assert.ok(open_.every((o) => o > n), `${size}: the open one is newer`);
      assert.equal(s1.decision, text === 'abort' ? 'abort' : 'commit', `${size}: S1 shows #${n}'s outcome`);
      assert.match(s1.text, new RegExp(`^S1 (committed|aborted) txn #${n}$`), `${size}: and names #${n}`);
      for (const scheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `first10-2pc-newest-decided-${size}-${scheme}`);
      }
      assert.deepEqual(problems, []);
    } finally {
      await app.close();
    }
  }
});
