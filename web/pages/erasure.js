// Erasures: the list, newest first, and one erasure with what it removed (counts, seq
// range, Merkle root) and its tombstone event. Never whose content it was.
import { h, stateBox, badge, facts, idWithCopy, table } from '../lib/dom.js';
import { api, describeError } from '../lib/api.js';
import { href, segment } from '../lib/route.js';
import { time, number, erasureSummary } from '../lib/format.js';

export const title = 'Erasures';

function scopeBadge(x) {
  return badge(x.scope === 'customer' ? 'customer' : 'by age', 'neutral');
}

async function renderList(main, stale) {
  main.append(h('h1', {}, 'Erasures'));
  const loading = stateBox('loading', 'Loading erasures…');
  main.append(loading);
  let answer;
  try {
    answer = await api('/api/v1/erasures?limit=100');
  } catch (err) {
    loading.replaceWith(stateBox('error', describeError(err)));
    return;
  }
  if (stale()) return;
  const list = answer.erasures || [];
  if (!list.length) {
    loading.replaceWith(stateBox('empty', 'Nothing was erased. An admin erases a customer\'s content with POST /api/v1/erasures; retention erases by age.'));
    return;
  }
  loading.replaceWith(h('div', { class: 'table-wrap' }, table([
    { label: 'Erasure', cell: (x) => h('a', { href: `#/erasures/${segment(x.id)}` }, `#${x.id}`) },
    { label: 'Erased', cell: (x) => time(x.erased_at) },
    { label: 'WABA', cell: (x) => h('a', { href: href('/events', { waba_id: x.waba_id }), class: 'mono' }, x.waba_id) },
    { label: 'Scope', cell: (x) => scopeBadge(x) },
    { label: 'Summary', cell: (x) => erasureSummary(x) },
    { label: 'By', cell: (x) => x.requested_by },
  ], list)));
}

async function renderOne(main, id, stale) {
  main.append(h('h1', {}, `Erasure ${id}`));
  if (!/^[1-9][0-9]*$/.test(id)) {
    main.append(stateBox('error', 'An erasure is named by its id, a positive number.'));
    return;
  }
  const loading = stateBox('loading', 'Loading the erasure…');
  main.append(loading);
  let x;
  try {
    x = await api(`/api/v1/erasures/${segment(id)}`);
  } catch (err) {
    loading.replaceWith(stateBox('error', err.status === 404 ? `There is no erasure ${id} (or this token may not see its WABA).` : describeError(err)));
    return;
  }
  if (stale()) return;
  const seqs = x.first_seq
    ? h('span', {}, h('a', { href: `#/events/${segment(x.first_seq)}` }, String(x.first_seq)),
      x.last_seq !== x.first_seq ? ['–', h('a', { href: `#/events/${segment(x.last_seq)}` }, String(x.last_seq))] : null)
    : h('span', { class: 'muted' }, 'none (nothing was left to erase)');
  loading.replaceWith(h('section', { class: 'card' },
    h('p', {}, scopeBadge(x), ' ', erasureSummary(x)),
    facts([
      ['WABA', h('span', {}, idWithCopy(x.waba_id, 'WABA id'), ' ', h('a', { href: `#/wabas/${segment(x.waba_id)}/audit` }, 'audit'))],
      ['Reason', x.reason],
      ['Requested by', x.requested_by],
      ['Requested', time(x.requested_at)],
      ['Erased', time(x.erased_at)],
      ['Received before', x.received_before ? time(x.received_before) : null],
      ['Events erased', number(x.events)],
      ['Deliveries erased', number(x.deliveries)],
      ['Seqs', seqs],
      ['Merkle root', h('code', { class: 'wrap' }, x.root)],
      ['Tombstone', h('a', { href: `#/events/${segment(x.tombstone_seq)}` }, `event ${x.tombstone_seq}`)],
    ]),
    h('p', { class: 'muted' }, 'The erased events keep their place and metadata; their values and the raw bodies that held them are gone. ',
      h('code', {}, 'waba-journal verify'), ' checks the root against the erased rows\' commitments.')));
}

export async function render(main, route, stale) {
  const id = route.parts[1];
  if (id === undefined) return renderList(main, stale);
  return renderOne(main, id, stale);
}
