// The first ten minutes (issue 21): what a new user meets first. The ring page's styles stay
// on the ring page; commit protocols show their outcome on the nodes; each protocol has its
// own legend, with requests and replies told apart; a first visit gets a first step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, until, screenshot } from './harness.mjs';

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
      await page.waitForSelector(byTestId('clock'));
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
