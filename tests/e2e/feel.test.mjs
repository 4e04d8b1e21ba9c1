// How the app feels: phone layout, dark mode, the keyboard, and manual scheduling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, byTestId, clock, until, screenshot } from './harness.mjs';

const events = async (page) => Number(await page.getAttribute(byTestId('clock'), 'data-events'));

test('a 360 px phone gets a usable, non-overflowing layout', async () => {
  const app = await open('t=1s', { viewport: { width: 360, height: 740 } });
  try {
    const { page, problems } = app;
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    const box = await page.locator('.cluster').boundingBox();
    assert.ok(box.width >= 320, `cluster is ${box.width}px wide`);
    await screenshot(page, 'phone');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('dark mode follows the system preference', async () => {
  const app = await open('t=1s');
  try {
    const { page } = app;
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert.ok(r + g + b < 150, `dark background, got ${bg}`);
    await screenshot(page, 'dark');
  } finally {
    await app.close();
  }
});

test('the keyboard drives the simulation and ? lists the shortcuts', async () => {
  const app = await open('t=1s');
  try {
    const { page, problems } = app;
    await page.keyboard.press('?');
    assert.ok(await page.isVisible(byTestId('help')));
    await page.keyboard.press('Escape');
    assert.ok(!(await page.isVisible(byTestId('help'))));
    const e0 = await events(page);
    await page.keyboard.press('ArrowRight');
    assert.equal(await events(page), e0 + 1);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await events(page), e0);
    const t0 = await clock(page);
    await page.keyboard.press(' ');
    await until(async () => (await clock(page)) > t0, { what: 'space to start playing' });
    await page.keyboard.press(' ');
    await page.keyboard.press('a');
    const log = await page.textContent(byTestId('event-log'));
    assert.match(log, /You: align timers/);
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('manual scheduling: nothing happens until the user picks the next message or timer', async () => {
  const app = await open('t=1s');
  try {
    const { page, problems } = app;
    await page.click(byTestId('manual'));
    assert.ok(await page.isDisabled(byTestId('play')));
    const t0 = await clock(page);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await clock(page), t0, 'time stands still');
    const e0 = await events(page);
    const pick = page.locator('[data-testid^="fire-"], [data-testid^="deliver-"]').last();
    await pick.click();
    assert.equal(await events(page), e0 + 1);
    await screenshot(page, 'manual');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});

test('a click on a line of the event log goes to that event, paused or playing', async () => {
  const app = await open('t=1s');
  try {
    const { page, problems } = app;
    const line = page.locator(`${byTestId('event-log')} li`).nth(4);
    const k = Number(await line.getAttribute('data-event'));
    // On the headline, not the line itself: the list has one listener for all its lines.
    await line.locator('.h').click();
    await until(async () => (await events(page)) === k, { what: `the moment after event ${k}` });
    assert.equal(await page.getAttribute(`${byTestId('event-log')} li >> nth=0`, 'data-event'), String(k));
    // Playing, the lines are keyed and new ones arrive at the top: a click still finds its event.
    await page.click(byTestId('play'));
    await until(async () => (await events(page)) > k + 20, { what: 'the run plays on' });
    // Read and clicked in one go: while the run plays the list moves under any slower hand.
    const j = await page.evaluate(() => {
      const li = document.querySelectorAll('[data-testid="event-log"] li')[2];
      li.querySelector('.t').click();
      return Number(li.dataset.event);
    });
    await until(async () => (await events(page)) === j, { what: `the moment after event ${j}` });
    assert.equal(await page.getAttribute(byTestId('play'), 'aria-pressed'), 'false');
    assert.deepEqual(problems, []);
  } finally {
    await app.close();
  }
});
