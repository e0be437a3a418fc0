// A message's lifecycle: search a wamid, see sent → delivered → read as steps (or failed
// with Meta's error), and every event about it.
import { h, stateBox, badge, idWithCopy, table } from '../lib/dom.js';
import { api, describeError } from '../lib/api.js';
import { go, href, segment } from '../lib/route.js';
import { time, summarize } from '../lib/format.js';

export const title = 'Message';

const STEPS = ['sent', 'delivered', 'read'];

function statusTimes(events) {
  // Meta's own timestamp of each status, from the status events: kept beside the chain
  // (status, item_time), so it outlives an erasure of their values.
  const at = {};
  for (const e of events) {
    if (e.kind === 'status' && e.status && e.item_time && !at[e.status]) at[e.status] = e.item_time;
    for (const st of (e.value && e.value.statuses) || []) {
      if (st && st.status && !at[st.status] && st.timestamp) at[st.status] = new Date(Number(st.timestamp) * 1000).toISOString();
    }
  }
  return at;
}

function steps(lifecycle, events) {
  const at = statusTimes(events);
  const status = lifecycle.status;
  if (lifecycle.direction === 'inbound') {
    return h('ol', { class: 'steps', attrs: { 'aria-label': 'Lifecycle' } },
      h('li', { class: 'step done' }, h('span', { class: 'step-name' }, 'received'), time(lifecycle.status_at)));
  }
  const failed = status === 'failed';
  const reached = failed ? -1 : Math.max(STEPS.indexOf(status), status === 'played' ? STEPS.length - 1 : -1);
  const list = h('ol', { class: 'steps', attrs: { 'aria-label': 'Lifecycle' } });
  const names = status === 'played' ? [...STEPS, 'played'] : STEPS;
  names.forEach((name, i) => {
    const done = failed ? !!at[name] : i <= reached || (name === 'played' && status === 'played');
    list.append(h('li', { class: `step ${done ? 'done' : 'todo'}`, attrs: { 'aria-label': `${name}: ${done ? 'reached' : 'not reached'}` } },
      h('span', { class: 'step-name' }, name), at[name] ? time(at[name]) : h('span', { class: 'muted' }, done ? '' : 'not yet')));
  });
  if (failed) {
    list.append(h('li', { class: 'step failed', attrs: { 'aria-label': 'failed' } },
      h('span', { class: 'step-name' }, 'failed'), time(lifecycle.status_at)));
  }
  return list;
}

function errors(list) {
  if (!list || !list.length) return null;
  return h('div', { class: 'card error-card', attrs: { role: 'note' } },
    h('h2', {}, 'Meta reported'),
    h('ul', { class: 'plain' }, list.map((e) => h('li', {},
      badge(`code ${e.code}`, 'bad'), ' ', h('strong', {}, e.title || e.message || 'no title')))));
}

export async function render(main, route, stale) {
  const wamid = (route.params.get('wamid') || '').trim();
  main.append(h('h1', {}, 'Message lifecycle'));
  const input = h('input', { id: 'wamid', name: 'wamid', value: wamid, required: true, spellcheck: false, autocomplete: 'off', placeholder: 'wamid.HBgL…' });
  const form = h('form', { class: 'filters inline search', attrs: { role: 'search' } },
    h('div', { class: 'field grow' }, h('label', { htmlFor: 'wamid' }, 'Message id (wamid)'), input),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Find')));
  form.addEventListener('submit', (e) => { e.preventDefault(); go('/message', { wamid: input.value.trim() }); });
  main.append(form);
  if (!wamid) {
    main.append(stateBox('info', 'Paste a wamid (from an event, a customer report or your own logs) to see what happened to that message.'));
    input.focus();
    return;
  }
  const loading = stateBox('loading', 'Looking the message up…');
  main.append(loading);
  let m;
  try {
    m = await api(`/api/v1/messages/${segment(wamid)}`);
  } catch (e) {
    loading.replaceWith(stateBox(e.status === 404 ? 'empty' : 'error',
      e.status === 404 ? 'The journal has no event about this message (or this token may not see its WABA).' : describeError(e)));
    return;
  }
  if (stale()) return;
  loading.remove();
  const tone = m.status === 'failed' ? 'bad' : m.status === 'read' || m.status === 'played' || m.status === 'received' ? 'ok' : 'warn';
  main.append(h('section', { class: 'card' },
    h('h2', {}, idWithCopy(m.wamid, 'wamid')),
    h('p', {}, badge(m.direction || 'unknown', 'neutral'), ' ', badge(m.status || 'no status', tone), ' WABA ',
      h('a', { href: `#/wabas/${segment(m.waba_id)}/audit` }, m.waba_id || '?')),
    steps(m, m.events || [])));
  const err = errors(m.errors);
  if (err) main.append(err);
  main.append(h('section', { class: 'card' }, h('h2', {}, 'Events about it'),
    m.events && m.events.length ? table([
      { label: 'Seq', cell: (e) => h('a', { href: `#/events/${segment(e.seq)}` }, String(e.seq)) },
      { label: 'Received', cell: (e) => time(e.received_at) },
      { label: 'Field', cell: (e) => e.field },
      { label: 'Summary', cell: (e) => [summarize(e), e.erased ? [' ', badge('erased', 'neutral', `Its content was erased by erasure ${e.erased.erasure_id}`)] : null] },
    ], m.events) : stateBox('empty', 'No events.'),
    h('p', {}, h('a', { href: href('/events', { wamid: m.wamid, include_duplicates: 'true' }) }, 'These events with their redeliveries'))));
}
