// Events: the journal filtered by WABA, field, time, wamid and customer; paged by the
// next_after cursor (an index seek, fast at any depth); a live tail over the SSE stream.
import { h, stateBox, badge } from '../lib/dom.js';
import { api, qs, describeError } from '../lib/api.js';
import { href, go, segment } from '../lib/route.js';
import { time, summarize, toLocalInput, fromLocalInput, number } from '../lib/format.js';
import { readEventStream } from '../lib/sse.js';
import { can } from '../lib/session.js';

export const title = 'Events';

const PAGE = 50;
const FILTERS = ['waba_id', 'field', 'since', 'until', 'wamid', 'wa_id', 'include_duplicates'];

function filtersOf(params) {
  const f = {};
  for (const k of FILTERS) if (params.get(k)) f[k] = params.get(k);
  return f;
}

function cell(label, content, cls) {
  return h('td', { class: cls, attrs: { 'data-label': label } }, h('span', { class: 'cell' }, content));
}

export function eventRow(e, { fresh = false } = {}) {
  const dup = e.duplicate_of !== null && e.duplicate_of !== undefined;
  return h('tr', { class: fresh ? 'fresh' : undefined },
    cell('Seq', h('a', { href: `#/events/${segment(e.seq)}`, attrs: { 'aria-label': `Event ${e.seq}` } }, String(e.seq))),
    cell('Received', time(e.received_at)),
    cell('WABA', h('a', { href: href('/events', { waba_id: e.waba_id }), class: 'mono' }, e.waba_id)),
    cell('Field', h('a', { href: href('/events', { field: e.field }) }, e.field)),
    cell('Summary', [summarize(e),
      e.erased ? [' ', badge('erased', 'neutral', `Its content was erased by erasure ${e.erased.erasure_id}`)] : null,
      dup ? [' ', badge(`duplicate of ${e.duplicate_of}`, 'warn')] : null], 'summary'));
}

function eventsTable(list) {
  const tbody = h('tbody', {}, list.map((e) => eventRow(e)));
  const t = h('table', { class: 'rows events' },
    h('thead', {}, h('tr', {}, ['Seq', 'Received', 'WABA', 'Field', 'Summary'].map((l) => h('th', { attrs: { scope: 'col' } }, l)))),
    tbody);
  return { t, tbody };
}

function filterForm(params, wabas) {
  const input = (name, label, props = {}) => h('div', { class: 'field' },
    h('label', { htmlFor: `f-${name}` }, label),
    h('input', { id: `f-${name}`, name, value: params.get(name) || '', ...props }));
  const fields = new Set();
  for (const w of wabas) for (const f of Object.keys(w.fields || {})) fields.add(f);
  const form = h('form', { class: 'filters', attrs: { 'aria-label': 'Filter events' } },
    input('waba_id', 'WABA', { attrs: { list: 'waba-list', inputmode: 'numeric' }, autocomplete: 'off' }),
    h('datalist', { id: 'waba-list' }, wabas.map((w) => h('option', { value: w.waba_id }))),
    input('field', 'Field', { attrs: { list: 'field-list' }, autocomplete: 'off' }),
    h('datalist', { id: 'field-list' }, [...fields].sort().map((f) => h('option', { value: f }))),
    h('div', { class: 'field' }, h('label', { htmlFor: 'f-since' }, 'Received from'),
      h('input', { id: 'f-since', name: 'since', type: 'datetime-local', value: toLocalInput(params.get('since')) })),
    h('div', { class: 'field' }, h('label', { htmlFor: 'f-until' }, 'Received until'),
      h('input', { id: 'f-until', name: 'until', type: 'datetime-local', value: toLocalInput(params.get('until')) })),
    input('wamid', 'Message id (wamid)', { autocomplete: 'off', spellcheck: false }),
    input('wa_id', 'Customer (wa_id)', { autocomplete: 'off', attrs: { inputmode: 'numeric' } }),
    h('div', { class: 'field check' },
      h('input', { id: 'f-dups', name: 'include_duplicates', type: 'checkbox', checked: params.get('include_duplicates') === 'true' }),
      h('label', { htmlFor: 'f-dups' }, 'Include duplicates (redeliveries)')),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('a', { href: '#/events', class: 'button' }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = new FormData(form);
    go('/events', {
      waba_id: String(d.get('waba_id') || '').trim(),
      field: String(d.get('field') || '').trim(),
      since: fromLocalInput(d.get('since')),
      until: fromLocalInput(d.get('until')),
      wamid: String(d.get('wamid') || '').trim(),
      wa_id: String(d.get('wa_id') || '').trim(),
      include_duplicates: d.get('include_duplicates') ? 'true' : '',
    });
  });
  return form;
}

export async function render(main, route, stale) {
  const params = route.params;
  const filters = filtersOf(params);
  const after = params.get('after');
  main.append(h('h1', {}, 'Events'));
  const loading = stateBox('loading', 'Loading events…');
  main.append(loading);
  let wabas = [];
  const [wabaAnswer, page] = await Promise.all([
    api('/api/v1/wabas').catch(() => ({ wabas: [] })),
    api(`/api/v1/events?${qs({ ...filters, after, order: 'desc', limit: PAGE })}`).catch((e) => ({ error: e })),
  ]);
  if (stale()) return null;
  wabas = wabaAnswer.wabas || [];
  loading.remove();
  // On a phone the form would fill the first screen: fold it there, saying what is set.
  const active = Object.entries(filters).map(([k, v]) => `${k.replace('_', ' ')} ${v}`);
  main.append(h('details', { class: 'filter-box', open: !window.matchMedia('(max-width: 700px)').matches },
    h('summary', {}, active.length ? `Filters: ${active.join(', ')}` : 'Filters'),
    filterForm(params, wabas)));

  const live = liveTail(filters, after);
  main.append(live.controls);

  if (page.error) {
    main.append(stateBox('error', describeError(page.error)));
    return live.stop;
  }
  const list = page.events;
  const filtered = Object.keys(filters).length > 0;
  let emptyText = filtered ? 'No events match these filters. Widen them, or clear them.'
    : 'The journal holds no events yet. They appear as Meta delivers them (or try waba-journal simulate).';
  if (after) emptyText = `No events older than seq ${after}${filtered ? ' match these filters' : ''}.`;
  const empty = stateBox('empty', emptyText);
  const { t, tbody } = eventsTable(list);
  live.attach(tbody, list.length ? list[0].seq : null, empty);
  main.append(h('p', { class: 'muted', attrs: { role: 'status' } },
    list.length ? `Showing ${number(list.length)} event${list.length === 1 ? '' : 's'}, newest first${after ? `, older than seq ${after}` : ''}.` : ''));
  if (list.length === 0) main.append(empty);
  main.append(h('div', { class: 'table-wrap' }, t));
  t.hidden = list.length === 0;
  const pager = h('nav', { class: 'pager', attrs: { 'aria-label': 'Pages of events' } },
    after ? h('a', { href: href('/events', filters), class: 'button' }, '← Newest') : null,
    page.next_after ? h('a', { href: href('/events', { ...filters, after: page.next_after }), class: 'button', attrs: { rel: 'next' } }, 'Older →') : null);
  main.append(pager);
  if (can('replay') && (filters.waba_id || filters.field)) {
    main.append(h('p', {}, h('a', { href: href('/destinations', { waba_id: filters.waba_id, field: filters.field }) },
      'Replay events like these to a destination…')));
  }
  return live.stop;
}

// The live-tail toggle: streams events after the newest one shown and puts them on top.
function liveTail(filters, after) {
  let controller = null;
  let tbody = null;
  let table = null;
  let emptyBox = null;
  let lastSeq = null;
  let received = 0;
  const status = h('span', { class: 'muted', attrs: { role: 'status', 'aria-live': 'polite' } }, '');
  const button = h('button', { type: 'button', class: 'toggle', attrs: { 'aria-pressed': 'false' } }, 'Live tail: off');
  const controls = h('div', { class: 'live' }, button, status);

  const setStatus = (text, tone = 'muted') => {
    status.className = tone;
    status.textContent = text;
  };

  async function newestSeq() {
    const newest = await api('/api/v1/events?order=desc&limit=1&include_duplicates=true');
    return newest.events.length ? newest.events[0].seq : 0;
  }

  function matches(e) {
    if (filters.wamid && e.wamid !== filters.wamid) return false;
    if (filters.wa_id && e.wa_id !== filters.wa_id) return false;
    if (filters.include_duplicates !== 'true' && e.duplicate_of !== null && e.duplicate_of !== undefined) return false;
    return true;
  }

  async function run(signal) {
    let delay = 1000;
    while (!signal.aborted) {
      try {
        const path = `/api/v1/events/stream?${qs({ waba_id: filters.waba_id, field: filters.field, include_duplicates: filters.include_duplicates, after: lastSeq })}`;
        await readEventStream(path, {
          signal,
          lastEventId: lastSeq,
          onOpen: () => { delay = 1000; setStatus(received ? `Live: ${received} new` : 'Live: waiting for new events…', 'ok'); },
          onEvent: (msg) => {
            if (msg.event !== 'event' && msg.event !== 'message') return;
            let e;
            try { e = JSON.parse(msg.data); } catch { return; }
            lastSeq = e.seq;
            if (!matches(e)) return;
            received += 1;
            if (emptyBox) { emptyBox.remove(); emptyBox = null; }
            if (table) table.hidden = false;
            tbody.prepend(eventRow(e, { fresh: true }));
            setStatus(`Live: ${received} new event${received === 1 ? '' : 's'}`, 'ok');
          },
        });
        if (signal.aborted) return;
        setStatus('The stream closed; reconnecting…', 'warn');
      } catch (e) {
        if (signal.aborted) return;
        if (e.status === 404 || e.status === 403 || e.status === 400 || e.status === 401) {
          setStatus(e.status === 404 || e.status === 400 ? 'Live tail is not available on this server (it has no event stream).' : describeError(e), 'error');
          stop();
          return;
        }
        setStatus(`${describeError(e)} Retrying…`, 'warn');
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15000);
    }
  }

  async function start() {
    if (after) {
      // Live events go on top of the newest page: go there first.
      go('/events', { ...filters, live: '1' });
      return;
    }
    controller = new AbortController();
    button.setAttribute('aria-pressed', 'true');
    button.textContent = 'Live tail: on';
    setStatus('Connecting…');
    try {
      if (lastSeq === null) lastSeq = await newestSeq();
    } catch (e) {
      setStatus(describeError(e), 'error');
      stop();
      return;
    }
    run(controller.signal);
  }

  function stop() {
    if (controller) controller.abort();
    controller = null;
    button.setAttribute('aria-pressed', 'false');
    button.textContent = 'Live tail: off';
  }

  button.addEventListener('click', () => {
    if (controller) { stop(); setStatus('Live tail stopped.'); } else start();
  });

  return {
    controls,
    stop,
    attach(body, newest, empty) {
      tbody = body;
      table = body.parentElement;
      emptyBox = empty;
      lastSeq = newest;
      if (new URLSearchParams(location.hash.split('?')[1] || '').get('live') === '1') start();
    },
  };
}
