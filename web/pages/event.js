// One event: its facts, its value as a collapsible tree (or when and why it was erased; a
// tombstone's summary), the raw delivery it came in (with whether its signature verifies),
// its duplicates and its forwarding attempts.
import { h, stateBox, badge, facts, idWithCopy, table } from '../lib/dom.js';
import { api, describeError } from '../lib/api.js';
import { href, segment } from '../lib/route.js';
import { time, erasureSummary } from '../lib/format.js';
import { jsonView } from '../lib/json_view.js';

export const title = 'Event';

// Where the value was: its tree, or, once erased, when, why and by which erasure (loaded).
function valueSection(e) {
  const box = h('section', { class: 'card', attrs: { 'aria-labelledby': 'value-h' } }, h('h2', { id: 'value-h' }, 'Value'));
  if (!e.erased) {
    box.append(jsonView(e.value));
    return box;
  }
  const id = e.erased.erasure_id;
  const link = () => h('a', { href: `#/erasures/${segment(id)}` }, `erasure ${id}`);
  const note = stateBox('info', 'The value was erased by ', link(), '.');
  box.append(note);
  api(`/api/v1/erasures/${segment(id)}`).then((x) => {
    note.replaceChildren('The value was erased on ', time(x.erased_at), ` (${x.reason}) by `, link(),
      '. Its place and metadata stay; the content is gone from the journal.');
  }).catch(() => { /* keep the short note */ });
  return box;
}

// A tombstone: the erasure it records, in words, and its value as a tree.
function tombstoneSection(e) {
  const v = e.value || {};
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 'tomb-h' } },
    h('h2', { id: 'tomb-h' }, 'Erasure ', badge(v.scope === 'customer' ? 'customer' : 'by age', 'neutral')),
    h('p', {}, erasureSummary(v)),
    facts([
      ['Erasure', v.erasure_id ? h('a', { href: `#/erasures/${segment(v.erasure_id)}` }, `erasure ${v.erasure_id}`) : null],
      ['Requested by', v.requested_by],
      ['Erased', v.erased_at ? time(v.erased_at) : null],
      ['Merkle root', v.root ? h('code', { class: 'wrap' }, v.root) : null],
    ]),
    h('details', { class: 'raw' }, h('summary', {}, 'Value as a tree'), jsonView(v)));
}

function deliverySection(d) {
  if (d.body === null || d.body === undefined) {
    const id = d.erased ? d.erased.erasure_id : null;
    return h('section', { class: 'card', attrs: { 'aria-labelledby': 'delivery-h' } },
      h('h2', { id: 'delivery-h' }, 'Raw delivery ', badge('Erased', 'neutral', 'Its body and signature were erased: there is nothing left to verify.')),
      facts([
        ['Delivery', idWithCopy(d.id, 'delivery id')],
        ['Received', time(d.received_at)],
        ['From', d.peer ? h('code', {}, d.peer) : null],
        ['Events in it', d.event_seqs && d.event_seqs.length
          ? h('span', {}, d.event_seqs.map((s, i) => [i ? ', ' : '', h('a', { href: `#/events/${segment(s)}` }, String(s))]))
          : 'none'],
      ]),
      stateBox('info', 'The body and its signature were erased', id ? [' by ', h('a', { href: `#/erasures/${segment(id)}` }, `erasure ${id}`)] : null,
        '. The other events it held keep their values.'));
  }
  const verified = d.signature_verifies
    ? badge('Signature verifies', 'ok', 'X-Hub-Signature-256 matches the body with a configured app secret: this delivery came from Meta.')
    : badge('Signature does not verify', 'bad', 'No configured app secret signs this body (it was verified when received; the secret may have been rotated since).');
  let bodyNode;
  if (d.body_encoding === 'base64') {
    bodyNode = h('p', { class: 'muted' }, 'The body is not UTF-8 text; it is shown base64-encoded.');
  }
  let pretty = null;
  if (d.body_encoding !== 'base64') {
    try { pretty = JSON.parse(d.body); } catch { pretty = null; }
  }
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 'delivery-h' } },
    h('h2', { id: 'delivery-h' }, 'Raw delivery ', verified),
    facts([
      ['Delivery', idWithCopy(d.id, 'delivery id')],
      ['Received', time(d.received_at)],
      ['From', d.peer ? h('code', {}, d.peer) : null],
      ['Client certificate', d.client_certificate
        ? h('span', {}, 'received over mTLS from ', h('code', { class: 'wrap' }, d.client_certificate.subject),
          ', serial ', h('code', {}, d.client_certificate.serial),
          ', issued by ', h('code', { class: 'wrap' }, d.client_certificate.issuer),
          ', SHA-256 ', h('code', { class: 'wrap' }, d.client_certificate.sha256))
        : 'none attested (no mTLS front, or not trusted)'],
      ['Signature header', h('code', { class: 'wrap' }, d.signature || '(none)')],
      ['Parse error', d.parse_error ? h('span', { class: 'bad-text' }, d.parse_error) : null],
      ['Events in it', d.event_seqs && d.event_seqs.length
        ? h('span', {}, d.event_seqs.map((s, i) => [i ? ', ' : '', h('a', { href: `#/events/${segment(s)}` }, String(s))]))
        : 'none'],
    ]),
    bodyNode,
    h('details', { class: 'raw' },
      h('summary', {}, `Body as received (${d.body.length.toLocaleString()} characters)`),
      h('pre', { class: 'code' }, d.body)),
    pretty ? h('details', { class: 'raw' }, h('summary', {}, 'Body as a tree'), jsonView(pretty, { openDepth: 2 })) : null);
}

function forwardingSection(forwarding) {
  const box = h('section', { class: 'card', attrs: { 'aria-labelledby': 'fwd-h' } }, h('h2', { id: 'fwd-h' }, 'Forwarding'));
  if (!Array.isArray(forwarding)) {
    box.append(stateBox('empty', 'No destinations: this server forwards nothing (see ', h('a', { href: '#/destinations' }, 'Forwarding'), ').'));
    return box;
  }
  if (forwarding.length === 0) {
    // Either nothing is configured or every destination's filters leave this event out.
    const note = stateBox('empty', 'No destination takes this event.');
    box.append(note);
    api('/api/v1/destinations').then((answer) => {
      if (!answer.destinations.length) {
        note.replaceWith(stateBox('empty', 'No destinations: this server forwards nothing (see ', h('a', { href: '#/destinations' }, 'Forwarding'), ').'));
      } else {
        note.textContent = 'No destination takes this event: their WABA and field filters leave it out.';
      }
    }).catch(() => { /* keep the generic note */ });
    return box;
  }
  const tone = { delivered: 'ok', pending: 'warn', failed: 'bad', skipped: 'neutral', erased: 'neutral' };
  for (const f of forwarding) {
    const attempts = f.attempts || [];
    box.append(h('div', { class: 'forward' },
      h('h3', {}, f.destination, ' ', badge(f.status, tone[f.status] || 'neutral')),
      attempts.length === 0 ? h('p', { class: 'muted' }, 'No attempt recorded.') : table([
        { label: 'When', cell: (a) => time(a.at) },
        { label: 'Replay', cell: (a) => (a.replay_id ? h('a', { href: href('/destinations', { replay: a.replay_id }) }, `#${a.replay_id}`) : 'live') },
        { label: 'HTTP', cell: (a) => (a.http_status === null || a.http_status === undefined ? '—' : String(a.http_status)) },
        { label: 'Outcome', cell: (a) => badge(a.outcome || '', a.outcome === 'failed' ? 'bad' : 'warn') },
        { label: 'Error', cell: (a) => a.error || '' },
      ], attempts)));
  }
  return box;
}

export async function render(main, route, stale) {
  const seq = route.parts[1];
  main.append(h('h1', {}, `Event ${seq}`));
  if (!/^[1-9][0-9]*$/.test(seq)) {
    main.append(stateBox('error', 'An event is named by its seq, a positive number.'));
    return;
  }
  const loading = stateBox('loading', 'Loading the event…');
  main.append(loading);
  let e;
  try {
    e = await api(`/api/v1/events/${segment(seq)}`);
  } catch (err) {
    loading.replaceWith(stateBox('error', err.status === 404 ? `There is no event ${seq} (or this token may not see it).` : describeError(err)));
    return;
  }
  if (stale()) return;
  loading.remove();
  const dup = e.duplicate_of !== null && e.duplicate_of !== undefined;
  main.append(
    h('section', { class: 'card' },
      facts([
        ['Seq', idWithCopy(e.seq, 'seq')],
        ['WABA', h('span', {}, idWithCopy(e.waba_id, 'WABA id'), ' ', h('a', { href: `#/wabas/${segment(e.waba_id)}/audit` }, 'audit'), ' · ', h('a', { href: href('/events', { waba_id: e.waba_id }) }, 'events'))],
        ['Field', h('a', { href: href('/events', { field: e.field }) }, e.field)],
        ['Event time (Meta)', e.event_time ? time(e.event_time) : h('span', { class: 'muted' }, 'none (messages carry no entry time)')],
        ['Received', time(e.received_at)],
        ['Message', e.wamid ? h('span', {}, idWithCopy(e.wamid, 'wamid'), ' ', h('a', { href: href('/message', { wamid: e.wamid }) }, 'lifecycle')) : null],
        ['Customer', e.wa_id ? h('span', {}, idWithCopy(e.wa_id, 'wa_id'), ' ', h('a', { href: href('/events', { wa_id: e.wa_id }) }, 'events')) : null],
        ['Kind', e.kind ? h('span', {}, e.kind, e.status ? [' ', badge(e.status, e.status === 'failed' ? 'bad' : 'neutral')] : null) : null],
        ['Item time', e.item_time ? time(e.item_time) : null],
        ['Error codes', e.error_codes && e.error_codes.length ? e.error_codes.join(', ') : null],
        ['Dedup digest', h('code', { class: 'wrap' }, e.dedup_digest)],
        ['Duplicate of', dup ? h('a', { href: `#/events/${segment(e.duplicate_of)}` }, `event ${e.duplicate_of}`) : null],
      ])),
    e.field === 'erasure' && e.delivery_id === null ? tombstoneSection(e) : valueSection(e),
    h('section', { class: 'card', attrs: { 'aria-labelledby': 'dups-h' } }, h('h2', { id: 'dups-h' }, dup ? 'Other redeliveries' : 'Duplicates'),
      e.duplicates && e.duplicates.length
        ? h('ul', { class: 'plain' }, e.duplicates.map((d) => h('li', {}, h('a', { href: `#/events/${segment(d.seq)}` }, `event ${d.seq}`), ', delivery ', String(d.delivery_id), ', received ', time(d.received_at))))
        : stateBox('empty', dup ? 'No other redelivery.' : 'Meta delivered this event once: no duplicates.')),
    forwardingSection(e.forwarding));
  if (e.delivery_id === null || e.delivery_id === undefined) {
    main.append(stateBox('info', 'The journal appended this event itself: it came in no delivery from Meta.'));
    return;
  }
  const deliveryBox = h('div', {}, stateBox('loading', 'Loading the raw delivery…'));
  main.append(deliveryBox);
  try {
    const d = await api(`/api/v1/deliveries/${segment(e.delivery_id)}`);
    if (stale()) return;
    deliveryBox.replaceChildren(deliverySection(d));
  } catch (err) {
    deliveryBox.replaceChildren(err.status === 404
      ? stateBox('info', 'The raw delivery is not shown: it also carries events of WABAs this token may not see.')
      : stateBox('error', `The raw delivery could not be loaded. ${describeError(err)}`));
  }
}
