// The web UI in a real browser (Debian's chromium via playwright-core) against a real
// `waba-journal serve` on loopback, seeded with `waba-journal simulate`.
// Run: WJ_BINARY=build/waba-journal node --test tests/web/  (ctest runs it as "web_ui").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  BINARY, ROOT, SECRET, tempDir, startServer, startFakeGraph, createToken, simulate, postSigned, launchBrowser, screenshot, signIn,
} from './harness.js';

const STORY_WABA = '102290129340398';
const STORY_WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJTVE9SWV9PVVRCT1VORF9NU0cA';
const FAILED_WAMID = 'wamid.HBgLMTY1MDU1NTEyMzQVAgARGBJTVE9SWV9GQUlMRURfTVNHMDEA';
const XSS = '<img src=x onerror=alert(1)>';
const XSS_WAMID = 'wamid.XSS.BROWSER.TEST';

function inboundText(wamid, text) {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{
      id: STORY_WABA,
      changes: [{
        field: 'messages',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
          contacts: [{ profile: { name: XSS }, wa_id: '16505550000' }],
          messages: [{ from: '16505550000', id: wamid, timestamp: '1749416383', type: 'text', text: { body: text } }],
        },
      }],
    }],
  });
}

let server;
let browser;
let page;
let readToken;
let adminToken;
const dialogs = [];
const pageErrors = [];

async function newPage(viewport) {
  const p = await browser.context.newPage();
  if (viewport) await p.setViewportSize(viewport);
  p.setDefaultTimeout(15000);
  p.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  p.on('pageerror', (e) => pageErrors.push(e.message));
  return p;
}

before(async () => {
  server = await startServer();
  simulate(server);
  assert.equal(await postSigned(server, inboundText(XSS_WAMID, XSS)), 200);
  readToken = createToken(server, 'read', 'support');
  adminToken = createToken(server, 'admin', 'ops');
  browser = await launchBrowser();
  page = await newPage();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('signing in needs a valid token and keeps it out of the URL', async () => {
  await page.goto(`${server.url}/#/events?field=messages`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('API token').fill('wjt_not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('This token is not valid').waitFor();

  await page.getByLabel('API token').fill(readToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Events' }).waitFor();
  assert.match(page.url(), /#\/events\?field=messages$/, 'back where the link pointed');
  assert.ok(!page.url().includes(readToken));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('wj.token')), readToken);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.match(await page.locator('.who-name').innerText(), /support · read/);
  // A read token is offered no admin page.
  assert.equal(await page.getByRole('link', { name: 'Integrity' }).count(), 0);
  await screenshot(page, 'events-1280');
});

test('a 401 sends the user back to sign in', async () => {
  const p = await newPage();
  await signIn(p, server, readToken);
  await p.evaluate(() => sessionStorage.setItem('wj.token', 'wjt_revoked'));
  await p.goto(`${server.url}/#/wabas`);
  await p.getByRole('heading', { name: 'Sign in' }).waitFor();
  await p.getByText('did not accept the token').waitFor();
  await p.close();
});

test('filtering by field shows only that field and puts the filter in the URL', async () => {
  await page.goto(`${server.url}/#/events`);
  await page.getByRole('heading', { name: 'Events' }).waitFor();
  await page.getByLabel('Field').fill('account_review_update');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/field=account_review_update/);
  const fields = page.locator('table.events tbody td[data-label="Field"]');
  await fields.first().waitFor();
  const values = await fields.allInnerTexts();
  assert.ok(values.length >= 3, `the sample and the story's two reviews, got ${values.length}`);
  assert.deepEqual(new Set(values.map((v) => v.trim())), new Set(['account_review_update']));
  // The same link, opened afresh, shows the same view.
  await page.reload();
  assert.equal(await page.getByLabel('Field').inputValue(), 'account_review_update');
  assert.equal(await fields.count(), values.length);
});

test('an event shows its value and its raw delivery with a verified signature', async () => {
  await page.goto(`${server.url}/#/events?field=account_review_update`);
  const first = page.locator('table.events tbody tr').first();
  await first.waitFor();
  await first.locator('td[data-label="Seq"] a').click();
  await page.waitForURL(/#\/events\/\d+$/);
  await page.getByRole('heading', { name: /^Event \d+$/ }).waitFor();
  await page.getByText('Signature verifies').waitFor();
  await page.getByText('"decision": ').first().waitFor();
  await page.getByText(/^sha256=[0-9a-f]{64}$/).waitFor();
  await page.getByText('No destinations').waitFor();
  await screenshot(page, 'event-verified-delivery');
});

test('an event received through the mTLS front says which certificate it came with', async () => {
  // A certificate with Meta's CN, made by the same script the TLS front's test uses.
  const certs = path.join(tempDir('wj-web-certs-'), 'certs');
  execFileSync('bash', [path.join(ROOT, 'deploy/nginx/make-test-certs.sh'), certs]);
  const pem = readFileSync(path.join(certs, 'meta-client.pem'), 'utf8');
  const serial = execFileSync('openssl', ['x509', '-in', path.join(certs, 'meta-client.pem'), '-noout', '-serial'],
    { encoding: 'utf8' }).trim().replace(/^serial=/, '');
  const fronted = await startServer({ extraArgs: ['--trusted-proxy', '127.0.0.1/32'] });
  try {
    // What deploy/nginx sends after verifying the certificate; this test stands in for nginx.
    const body = inboundText('wamid.MTLS.BROWSER.TEST', 'over mTLS');
    const r = await fetch(`${fronted.url}/webhook`, {
      method: 'POST', body, headers: {
        'Content-Type': 'application/json',
        'X-Hub-Signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        'X-Forwarded-For': '203.0.113.9',
        'X-Client-Cert-Verify': 'SUCCESS',
        'X-Client-Cert-Subject': 'CN=client.webhooks.fbclientcerts.com,O=Meta Platforms\\, Inc.',
        'X-Client-Cert-Issuer': 'CN=WABA Journal Test CA,O=WABA Journal Test',
        'X-Client-Cert-Serial': serial,
        'X-Client-Cert': encodeURIComponent(pem),
      },
    });
    assert.equal(r.status, 200);
    const p = await newPage();
    await signIn(p, fronted, createToken(fronted, 'read', 'mtls'));
    await p.goto(`${fronted.url}/#/events/1`);
    await p.getByText('received over mTLS from').waitFor();
    await p.getByText('CN=client.webhooks.fbclientcerts.com,O=Meta Platforms\\, Inc.').waitFor();
    await p.getByText(serial, { exact: true }).waitFor();
    await p.getByText('203.0.113.9', { exact: true }).waitFor();
    await screenshot(p, 'event-mtls-delivery');
    await p.close();
  } finally {
    await fronted.stop();
  }
});

test('the audit shows the approval above the rejection it followed, and the standing decision', async () => {
  await page.goto(`${server.url}/#/wabas`);
  const card = page.getByRole('article', { name: `WABA ${STORY_WABA}` });
  await card.waitFor();
  assert.equal(await card.locator('svg.chart rect.bar').count(), 30);
  await card.getByRole('link', { name: 'Audit' }).click();
  await page.waitForURL(new RegExp(`#/wabas/${STORY_WABA}/audit`));
  await page.getByLabel('Show').selectOption('account_review_update');
  await page.waitForURL(/field=account_review_update/);
  const summaries = page.locator('ol.timeline .t-summary');
  await summaries.first().waitFor();
  const texts = (await summaries.allInnerTexts()).map((t) => t.trim());
  const approved = texts.indexOf('Account review: APPROVED');
  const rejected = texts.indexOf('Account review: REJECTED');
  assert.ok(approved >= 0 && rejected >= 0, texts.join(' | '));
  assert.ok(approved < rejected, `newest first: ${texts.join(' | ')}`);
  await page.locator('.badges').getByText('Review: APPROVED').waitFor();
  await screenshot(page, 'audit-review-rejected-then-approved');
});

test('a message lifecycle shows sent, delivered and read; a failed one its error', async () => {
  await page.goto(`${server.url}/#/message`);
  await page.getByLabel('Message id (wamid)').fill(STORY_WAMID);
  await page.getByRole('button', { name: 'Find' }).click();
  await page.waitForURL(/#\/message\?wamid=/);
  const steps = page.locator('ol.steps li');
  await steps.first().waitFor();
  assert.deepEqual(await steps.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))),
    ['sent: reached', 'delivered: reached', 'read: reached']);
  await screenshot(page, 'message-lifecycle');

  await page.goto(`${server.url}/#/message?wamid=${encodeURIComponent(FAILED_WAMID)}`);
  await page.locator('ol.steps li.failed').waitFor();
  await page.getByText('code 131049').waitFor();
  await page.getByText('This message was not delivered to maintain healthy ecosystem engagement.').first().waitFor();
});

test('hostile message text is shown as text, never run', async () => {
  await page.goto(`${server.url}/#/events?wamid=${encodeURIComponent(XSS_WAMID)}`);
  const summary = page.locator('table.events tbody td[data-label="Summary"]').first();
  await summary.waitFor();
  assert.equal((await summary.innerText()).trim(), `text: ${XSS}`);
  await page.locator('table.events tbody td[data-label="Seq"] a').first().click();
  await page.getByText(JSON.stringify(XSS)).first().waitFor();
  await page.locator('details.raw summary').first().click();
  assert.equal(await page.locator('main img').count(), 0, 'no <img> was created from the payload');
  assert.deepEqual(dialogs, [], 'no dialog fired');
  await screenshot(page, 'xss-as-text');
});

test('subscriptions say the reconciler is off instead of failing', async () => {
  await page.goto(`${server.url}/#/subscriptions`);
  await page.getByText('The reconciler is off').waitFor();
});

test('subscriptions show each watched WABA in colour; an admin checks one now and reads its history', async () => {
  const app = '670843887433847';
  const subscribed = '111111111111111';
  const missing = '222222222222222';
  const graph = await startFakeGraph(['--app-id', app, '--subscribed', subscribed, '--missing', missing]);
  const watched = await startServer({
    extraArgs: ['--graph-url', graph.url, '--access-token', 'test', '--app-id', app, '--waba', subscribed,
      '--waba', missing, '--reconcile-interval', '1h'],
  });
  try {
    const p = await newPage();
    await signIn(p, watched, createToken(watched, 'admin', 'ops'));
    await p.getByRole('link', { name: 'Subscriptions' }).click();
    const row = (waba) => p.locator('table.rows tbody tr', { hasText: waba });
    for (const [waba, state] of [[subscribed, 'subscribed'], [missing, 'missing']]) {
      await row(waba).getByRole('button', { name: 'Check now' }).click();
      await row(waba).locator('td[data-label="State"] .badge', { hasText: state }).waitFor();
    }
    assert.match(await row(missing).locator('td[data-label="State"] .badge').getAttribute('class'), /badge-bad/);
    assert.match(await row(subscribed).locator('td[data-label="State"] .badge').getAttribute('class'), /badge-ok/);
    await row(missing).getByRole('link', { name: 'History' }).click();
    await p.waitForURL(new RegExp(`#/subscriptions\\?waba=${missing}`));
    await p.getByRole('heading', { name: /Checks of/ }).waitFor();
    await p.locator('section.card table.rows tbody tr').first().getByText('missing').waitFor();
    await screenshot(p, 'subscriptions');
    await p.close();

    // A read token sees the states but is offered no check.
    const reader = await newPage();
    await signIn(reader, watched, createToken(watched, 'read', 'support'));
    await reader.goto(`${watched.url}/#/subscriptions`);
    await reader.locator('table.rows tbody tr').first().waitFor();
    assert.equal(await reader.getByRole('button', { name: 'Check now' }).count(), 0);
    await reader.close();
  } finally {
    await watched.stop();
    await graph.stop();
  }
});

test('an admin token can run the integrity check', async () => {
  const p = await newPage();
  await signIn(p, server, adminToken);
  await p.getByRole('link', { name: 'Integrity' }).click();
  await p.getByRole('button', { name: 'Verify the journal now' }).click();
  await p.getByText('Journal intact').waitFor();
  const events = Number(execFileSync(BINARY, ['verify', '--db', server.db], { encoding: 'utf8' }).match(/OK (\d+) events/)[1]);
  await p.getByText(events.toLocaleString('en-US')).first().waitFor();
  await p.close();
});

test('at 390 px wide every page fits without horizontal scrolling', async () => {
  const p = await newPage({ width: 390, height: 844 });
  await signIn(p, server, readToken);
  for (const [hash, ready] of [
    ['#/events', 'table.events tbody tr'],
    ['#/events/1', 'text=Signature verifies'],
    ['#/wabas', 'article.waba'],
    [`#/wabas/${STORY_WABA}/audit`, 'ol.timeline li'],
    [`#/message?wamid=${encodeURIComponent(STORY_WAMID)}`, 'ol.steps li'],
    ['#/subscriptions', 'text=The reconciler is off'],
  ]) {
    await p.goto(`${server.url}/${hash}`);
    await p.locator(ready).first().waitFor();
    const { scroll, client } = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(scroll <= client, `${hash}: content is ${scroll} px wide in a ${client} px window`);
    if (hash === '#/events') await screenshot(p, 'events-390', { fullPage: false });
  }
  await p.close();
});

test('live tail reads the event stream, puts new events on top and resumes after a drop', async () => {
  // The stream is answered here, so the parsing (CRLF, comments, named events) and the
  // resume are checked whatever the server's stream does.
  const p = await newPage();
  await signIn(p, server, readToken);
  const requests = [];
  const streamed = {
    seq: 1000000, waba_id: STORY_WABA, field: 'messages', event_time: null, received_at: new Date().toISOString(),
    delivery_id: 1, dedup_digest: '5f0c2a9e7d1b3c4a8e6f0d2b4c6a8e01', duplicate_of: null, wamid: 'wamid.STREAMED', wa_id: '16505550000',
    kind: 'message', status: null, item_time: null, error_codes: [], subject_ids: ['0a1b2c3d4e5f60718293a4b5c6d7e8f9'], erased: null,
    value: { messages: [{ id: 'wamid.STREAMED', type: 'text', text: { body: 'streamed <b>not bold</b>' } }] },
  };
  await p.route('**/api/v1/events/stream*', async (route) => {
    requests.push(route.request());
    const body = requests.length === 1
      ? `: keep-alive\r\n\r\nid: ${streamed.seq}\r\nevent: event\r\ndata: ${JSON.stringify(streamed)}\r\n\r\n`
      : ': keep-alive\n\n';
    await route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, body });
  });
  await p.goto(`${server.url}/#/events?field=messages`);
  await p.locator('details.filter-box summary', { hasText: 'field messages' }).waitFor();
  await p.getByText(/^Showing \d+ events/).waitFor();
  const newest = Number(await p.locator('table.events tbody td[data-label="Seq"] a').first().innerText());
  const resumed = p.waitForRequest((r) => r.url().includes('/api/v1/events/stream') &&
    r.headers()['last-event-id'] === String(streamed.seq));
  await p.getByRole('button', { name: 'Live tail: off' }).click();
  await p.locator('table.events tbody tr.fresh').first().getByText('text: streamed <b>not bold</b>').waitFor();
  const fresh = p.locator('table.events tbody tr.fresh');
  assert.equal(await fresh.evaluate((tr) => tr === tr.parentElement.firstElementChild), true, 'on top');
  assert.equal(await fresh.locator('td[data-label="Seq"] a').innerText(), String(streamed.seq));
  assert.equal(requests[0].headers().authorization, `Bearer ${readToken}`);
  assert.match(requests[0].url(), new RegExp(`after=${newest}(&|$)`));
  // The first answer ended: the tail reconnects from the last event it saw.
  await resumed;
  await p.getByRole('button', { name: 'Live tail: on' }).click();
  assert.equal(await p.locator('table.events tbody tr.fresh').count(), 1);
  await p.close();
});

test('live tail shows a new event without reloading', async (t) => {
  await page.goto(`${server.url}/#/events`);
  await page.getByRole('button', { name: 'Live tail: off' }).click();
  await page.getByText('Live: waiting for new events').waitFor();
  assert.equal(await postSigned(server, inboundText('wamid.LIVE.TAIL', 'live tail works')), 200);
  await page.locator('table.events tbody tr.fresh').getByText('text: live tail works').waitFor();
  await page.getByRole('button', { name: 'Live tail: on' }).click();
});

// A consumer on loopback that checks X-Hub-Signature-256 with its secret, as a bot would.
function startSink(secret) {
  const received = [];
  const sink = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const ok = req.headers['x-hub-signature-256'] === expected;
      received.push({ ok, replay: req.headers['x-waba-journal-replay'], seq: req.headers['x-waba-journal-seq'] });
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  return new Promise((resolve) => sink.listen(0, '127.0.0.1', () => resolve({ sink, received, port: sink.address().port })));
}

test('a replay runs to completion against a loopback sink', async (t) => {
  const sinkSecret = 'sink-secret';
  const { sink, received, port } = await startSink(sinkSecret);
  const fwd = await startServer({
    extraArgs: ['--destination', `sink=http://127.0.0.1:${port}/webhook`, '--destination-secret', `sink=${sinkSecret}`,
      '--allow-private-destinations', '--replay-rate', '5'],
  });
  try {
    const replayToken = createToken(fwd, 'replay', 'replayer');
    const api = (path) => fetch(`${fwd.url}${path}`, { headers: { Authorization: `Bearer ${replayToken}` } });
    simulate(fwd);
    const expected = (await (await api(`/api/v1/events?waba_id=${STORY_WABA}&field=account_review_update&limit=1000`)).json()).events.length;
    const p = await newPage();
    await signIn(p, fwd, replayToken);
    await p.getByRole('link', { name: 'Forwarding' }).click();
    await p.getByRole('article', { name: 'Destination sink' }).waitFor();
    const form = p.locator('details', { has: p.locator('summary', { hasText: 'Start a replay' }) });
    assert.equal(await form.getAttribute('open'), '', 'the replay form is open');
    await p.getByLabel('WABA ids (comma-separated)').fill(STORY_WABA);
    await p.getByLabel('Fields (comma-separated)').fill('account_review_update');
    await p.getByRole('button', { name: 'Start replay' }).click();
    await p.waitForURL(/#\/destinations\?replay=/);
    const mine = p.locator('li.replay.selected');
    await mine.getByText('done').waitFor({ timeout: 30000 });
    const counts = await mine.locator('.replay-counts').innerText();
    assert.match(counts, new RegExp(`^${expected} sent, 0 failed of ${expected}`), counts);
    const replayed = received.filter((r) => r.replay);
    assert.equal(replayed.length, expected);
    assert.ok(replayed.every((r) => r.ok), 'every replayed request verifies with the sink secret');
    await screenshot(p, 'replay-done');

    // A replay of everything, paced at 5 events/s, is still running when cancelled.
    await form.locator('summary').click();  // the form is folded while a replay is shown
    assert.equal(await p.getByLabel('Fields (comma-separated)').inputValue(), '');
    const before = p.url();
    await p.getByRole('button', { name: 'Start replay' }).click();
    await p.waitForURL((u) => u.href !== before && /replay=/.test(u.href));
    const running = p.locator('li.replay.selected');
    await running.getByText('running').waitFor();
    await running.getByRole('button', { name: 'Cancel' }).click();
    await running.getByText('cancelled').waitFor();
    assert.equal(await running.getByRole('button', { name: 'Cancel' }).count(), 0);
    await p.close();
  } finally {
    await fwd.stop();
    sink.close();
  }
});

test('an erased event says when and why it was erased; its tombstone says what went', async () => {
  // A WABA of its own, so that the other tests' views are not changed by the tombstone.
  const waba = '990000000000001';
  const wamid = 'wamid.ERASED.BROWSER.TEST';
  const body = JSON.parse(inboundText(wamid, 'please forget me'));
  body.entry[0].id = waba;
  assert.equal(await postSigned(server, JSON.stringify(body)), 200);
  const auth = { Authorization: `Bearer ${adminToken}` };
  const found = await (await fetch(`${server.url}/api/v1/events?wamid=${wamid}`, { headers: auth })).json();
  const seq = found.events[0].seq;
  const erased = await fetch(`${server.url}/api/v1/erasures`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ waba_id: waba, wa_id: '+1 650-555-0000', reason: 'browser test request' }),
  });
  assert.equal(erased.status, 200);
  const erasure = await erased.json();
  assert.equal(erasure.events, 1);

  const p = await newPage();
  await signIn(p, server, readToken);
  await p.goto(`${server.url}/#/events/${seq}`);
  await p.getByRole('heading', { name: `Event ${seq}` }).waitFor();
  await p.getByText('erased on').waitFor();
  await p.getByText('(browser test request)').waitFor();
  await p.getByText('Dedup digest').waitFor();
  assert.equal(await p.getByText('please forget me').count(), 0);
  await p.getByText('The body and its signature were erased').waitFor();
  await screenshot(p, 'event-erased');

  // In the list: an "erased" badge; the tombstone in words, linked to the erasure.
  await p.goto(`${server.url}/#/events?waba_id=${waba}`);
  const row = p.locator('table.events tbody tr', { has: p.locator(`td[data-label="Seq"] a`, { hasText: new RegExp(`^${seq}$`) }) });
  await row.locator('.badge', { hasText: 'erased' }).waitFor();
  const tomb = p.locator('table.events tbody tr').first();
  await tomb.getByText("A customer's content erased: 1 event, 1 delivery").waitFor();
  await tomb.locator('td[data-label="Seq"] a').click();
  await p.getByRole('heading', { name: `Event ${erasure.tombstone_seq}` }).waitFor();
  await p.getByText('(browser test request)').first().waitFor();
  await p.getByText('it came in no delivery').waitFor();
  await p.getByRole('link', { name: `erasure ${erasure.id}` }).click();
  await p.getByRole('heading', { name: `Erasure ${erasure.id}` }).waitFor();
  await p.getByText('browser test request').first().waitFor();
  await p.getByRole('link', { name: `event ${erasure.tombstone_seq}` }).waitFor();
  await screenshot(p, 'erasure');
  await p.getByRole('link', { name: 'Erasures' }).click();
  await p.getByRole('heading', { name: 'Erasures' }).waitFor();
  await p.getByRole('link', { name: `#${erasure.id}` }).waitFor();
  await p.close();
});

test('no page error was thrown', () => {
  assert.deepEqual(pageErrors, []);
});
