// Forwarding: lag and failures per destination; replays started with filters, watched to
// the end, cancelled. Starting and cancelling need a replay-scope token.
import { h, stateBox, badge, facts } from '../lib/dom.js';
import { api, describeError } from '../lib/api.js';
import { go, href } from '../lib/route.js';
import { time, number, relative, fromLocalInput } from '../lib/format.js';
import { can } from '../lib/session.js';

export const title = 'Forwarding';

const TONE = { running: 'warn', done: 'ok', failed: 'bad', cancelled: 'neutral' };

const STATE = {
  idle: ['up to date', 'ok'],
  sending: ['catching up', 'warn'],
  retrying: ['retrying', 'bad'],
};

function destinationState(d) {
  if (STATE[d.state]) return STATE[d.state];
  const failing = d.last_error && (!d.last_success_at || d.last_error.at > d.last_success_at);
  if (failing) return ['failing', 'bad'];
  return d.lag_events > 0 ? STATE.sending : STATE.idle;
}

function destinationCard(d) {
  const [label, tone] = destinationState(d);
  const e = d.last_error;
  return h('article', { class: 'card destination', attrs: { 'aria-label': `Destination ${d.name}` } },
    h('h2', {}, d.name, ' ', badge(label, tone)),
    facts([
      ['URL', h('code', { class: 'wrap' }, d.url)],
      ['Mode', d.mode === 'original' ? 'original bytes with Meta\'s signature' : 're-signed with this destination\'s secret'],
      ['Takes', `${d.waba_ids && d.waba_ids.length ? `WABAs ${d.waba_ids.join(', ')}` : 'every WABA'}; ${d.fields && d.fields.length ? `fields ${d.fields.join(', ')}` : 'every field'}`],
      ['Cursor', `seq ${number(d.cursor)}`],
      ['Lag', `${number(d.lag_events)} event${d.lag_events === 1 ? '' : 's'}${d.lag_seconds !== null && d.lag_seconds !== undefined ? `, oldest waiting ${number(Math.round(d.lag_seconds))} s` : ''}`],
      ['Sent', d.sent === undefined ? null : number(d.sent)],
      ['Last success', d.last_success_at ? h('span', {}, time(d.last_success_at), h('span', { class: 'muted' }, ` · ${relative(d.last_success_at)}`)) : h('span', { class: 'muted' }, 'none yet')],
      ['Last error', e ? h('span', { class: 'bad-text' }, time(e.at), ` ${e.http_status ? `HTTP ${e.http_status}` : ''}${e.http_status && (e.error || e.message) ? ': ' : ''}${e.error || e.message || ''}`) : null],
      ['Given up', h('span', { class: d.failed ? 'bad-text' : undefined }, `${number(d.failed)} event${d.failed === 1 ? '' : 's'}`)],
    ]));
}

function filterText(r) {
  const f = r.filter || {};
  const parts = [];
  parts.push(f.waba_id && f.waba_id.length ? `WABAs ${f.waba_id.join(', ')}` : 'every WABA');
  parts.push(f.field && f.field.length ? `fields ${f.field.join(', ')}` : 'every field');
  if (r.after) parts.push(`after seq ${r.after}`);
  if (r.until_seq) parts.push(`up to seq ${r.until_seq}`);
  if (f.since) parts.push(`from ${new Date(f.since).toLocaleString()}`);
  if (f.until) parts.push(`until ${new Date(f.until).toLocaleString()}`);
  if (f.include_duplicates) parts.push('with duplicates');
  return parts.join('; ');
}

function replayRow(r, selected, onCancel) {
  const done = (r.sent || 0) + (r.failed || 0);
  const progress = h('progress', { max: Math.max(1, r.total || 0), value: Math.min(done, r.total || 0) });
  progress.setAttribute('aria-label', `Replay ${r.id} progress`);
  return h('li', { class: `replay${selected ? ' selected' : ''}`, dataset: { replay: String(r.id) } },
    h('div', { class: 'replay-head' },
      h('strong', {}, `Replay ${r.id}`), ' → ', r.destination, ' ', badge(r.status, TONE[r.status] || 'neutral'),
      h('span', { class: 'muted' }, ' started ', time(r.created_at), r.finished_at ? [', finished ', time(r.finished_at)] : null)),
    progress,
    h('p', { class: 'replay-counts' }, `${number(r.sent)} sent, ${number(r.failed)} failed of ${number(r.total)}`,
      r.last_seq ? ` · last seq ${r.last_seq}` : ''),
    h('p', { class: 'muted small' }, `${filterText(r)}${r.created_by ? ` · started by ${r.created_by}` : ''}`),
    h('p', { class: 'actions' },
      h('a', { href: href('/destinations', { replay: r.id }) }, 'Link to this replay'),
      r.status === 'running' && can('replay') ? h('button', { type: 'button', on: { click: () => onCancel(r) } }, 'Cancel') : null));
}

function splitList(v) {
  return String(v || '').split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
}

function replayForm(destinations, params, message) {
  const field = (id, label, props = {}) => h('div', { class: 'field' },
    h('label', { htmlFor: id }, label), h('input', { id, name: id, ...props }));
  const form = h('form', { class: 'filters', attrs: { 'aria-label': 'Start a replay' } },
    h('div', { class: 'field' }, h('label', { htmlFor: 'r-destination' }, 'Destination'),
      h('select', { id: 'r-destination', name: 'destination', required: true },
        destinations.map((d) => h('option', { value: d.name, selected: d.name === params.get('destination') }, d.name)))),
    field('r-waba', 'WABA ids (comma-separated)', { value: params.getAll('waba_id').join(', '), autocomplete: 'off' }),
    field('r-field', 'Fields (comma-separated)', { value: params.getAll('field').join(', '), autocomplete: 'off' }),
    field('r-after', 'After seq', { type: 'number', min: 0, value: params.get('after') || '' }),
    field('r-until-seq', 'Up to seq', { type: 'number', min: 1, value: params.get('until_seq') || '' }),
    field('r-since', 'Received from', { type: 'datetime-local' }),
    field('r-until', 'Received until', { type: 'datetime-local' }),
    h('div', { class: 'field check' }, h('input', { id: 'r-dups', name: 'include_duplicates', type: 'checkbox' }),
      h('label', { htmlFor: 'r-dups' }, 'Include duplicates')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Start replay')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { destination: form.elements.destination.value };
    const wabas = splitList(form.elements['r-waba'].value);
    const fields = splitList(form.elements['r-field'].value);
    if (wabas.length) body.waba_id = wabas;
    if (fields.length) body.field = fields;
    if (form.elements['r-after'].value) body.after = Number(form.elements['r-after'].value);
    if (form.elements['r-until-seq'].value) body.until_seq = Number(form.elements['r-until-seq'].value);
    if (form.elements['r-since'].value) body.since = fromLocalInput(form.elements['r-since'].value);
    if (form.elements['r-until'].value) body.until = fromLocalInput(form.elements['r-until'].value);
    if (form.elements.include_duplicates.checked) body.include_duplicates = true;
    message.replaceChildren(stateBox('loading', 'Starting the replay…'));
    try {
      const r = await api('/api/v1/replays', { method: 'POST', body });
      go('/destinations', { replay: r.id });
    } catch (err) {
      message.replaceChildren(stateBox('error', err.status === 404 ? `No destination named ${body.destination}.` : describeError(err)));
    }
  });
  return form;
}

export async function render(main, route, stale) {
  const selected = route.params.get('replay');
  main.append(h('h1', {}, 'Forwarding'));
  const loading = stateBox('loading', 'Loading destinations…');
  main.append(loading);
  let destinations;
  try {
    destinations = (await api('/api/v1/destinations')).destinations;
  } catch (e) {
    loading.replaceWith(stateBox(e.status === 404 ? 'info' : 'error', e.status === 404
      ? 'This server does not forward events (no forwarding API).' : describeError(e)));
    return null;
  }
  if (stale()) return null;
  loading.remove();
  main.append(h('h2', {}, 'Destinations'));
  if (!destinations.length) {
    main.append(stateBox('empty', 'No destinations: this server forwards nothing. Start serve with --destination NAME=URL and --destination-secret NAME=SECRET to forward events to your own consumers.'));
  } else {
    main.append(h('div', { class: 'grid' }, destinations.map(destinationCard)));
  }

  main.append(h('h2', { id: 'replays-h' }, 'Replays'));
  const message = h('div', { attrs: { 'aria-live': 'polite' } });
  if (can('replay') && destinations.length) {
    main.append(h('details', { class: 'card', open: !selected },
      h('summary', {}, 'Start a replay'),
      h('p', { class: 'muted' }, 'Sends journaled events again, in seq order, to one destination. Leave a filter empty to take everything.'),
      replayForm(destinations, route.params, message)));
  } else if (!can('replay')) {
    main.append(h('p', { class: 'muted' }, 'Starting or cancelling a replay needs a token with scope replay.'));
  }
  main.append(message);
  const list = h('ol', { class: 'replays plain', attrs: { 'aria-labelledby': 'replays-h' } });
  main.append(list);

  let timer = null;
  let stopped = false;
  async function refresh() {
    timer = null;
    let replays;
    try {
      replays = (await api('/api/v1/replays')).replays;
    } catch (e) {
      if (!stopped) list.replaceChildren(h('li', {}, stateBox('error', describeError(e))));
      return;
    }
    if (stopped) return;
    if (!replays.length) {
      list.replaceChildren(h('li', {}, stateBox('empty', 'No replay has been run.')));
      return;
    }
    list.replaceChildren(...replays.map((r) => replayRow(r, String(r.id) === selected, cancel)));
    if (replays.some((r) => r.status === 'running')) timer = setTimeout(refresh, 1000);
  }
  async function cancel(r) {
    try {
      await api(`/api/v1/replays/${encodeURIComponent(r.id)}`, { method: 'DELETE' });
      message.replaceChildren(stateBox('ok', `Replay ${r.id} cancelled.`));
    } catch (e) {
      message.replaceChildren(stateBox('error', describeError(e)));
    }
    if (timer) clearTimeout(timer);
    refresh();
  }
  await refresh();
  return () => { stopped = true; if (timer) clearTimeout(timer); };
}
