// The audit of one WABA: what Meta decided and when, newest first, with the standing
// decision, ban and restrictions as badges on top.
import { h, stateBox, badge, idWithCopy } from '../lib/dom.js';
import { api, describeError, qs } from '../lib/api.js';
import { href, go, segment } from '../lib/route.js';
import { time } from '../lib/format.js';

export const title = 'Audit';

const FIELDS = ['account_alerts', 'account_review_update', 'account_update', 'business_capability_update',
  'message_template_quality_update', 'message_template_status_update', 'phone_number_name_update',
  'phone_number_quality_update', 'security', 'template_category_update', 'subscription'];

function reviewTone(decision) {
  if (/APPROVED/.test(decision)) return 'ok';
  if (/REJECTED|DISABLED/.test(decision)) return 'bad';
  return 'warn';
}

function currentBadges(current) {
  const list = h('ul', { class: 'badges', attrs: { 'aria-label': 'Current standing' } });
  const add = (node) => list.append(h('li', {}, node));
  if (current.review) {
    add(h('a', { href: `#/events/${segment(current.review.seq)}`, class: 'badge-link' },
      badge(`Review: ${current.review.decision || 'unknown'}`, reviewTone(current.review.decision), `Latest account review, ${current.review.at}`)));
  } else {
    add(badge('Review: none recorded', 'neutral'));
  }
  if (current.ban) {
    add(h('a', { href: `#/events/${segment(current.ban.seq)}`, class: 'badge-link' },
      badge(`Ban: ${current.ban.state}${current.ban.date ? ` since ${current.ban.date}` : ''}`, 'bad')));
  }
  for (const r of current.restrictions || []) {
    add(h('a', { href: `#/events/${segment(r.seq)}`, class: 'badge-link' },
      badge(`Restricted: ${r.restriction_type}${r.expiration ? ` until ${new Date(r.expiration).toLocaleString()}` : ''}`, 'bad', r.expiration ? `Until UTC ${r.expiration}` : undefined)));
  }
  if (current.violation) {
    add(h('a', { href: `#/events/${segment(current.violation.seq)}`, class: 'badge-link' },
      badge(`Last violation: ${current.violation.violation_type}`, 'warn', `At ${current.violation.at}`)));
  }
  if (!current.ban && !(current.restrictions || []).length) add(badge('No standing ban or restriction', 'ok'));
  return list;
}

export async function render(main, route, stale) {
  const waba = route.parts[1];
  const field = route.params.get('field') || '';
  main.append(h('h1', {}, 'Audit of WABA ', idWithCopy(waba, 'WABA id')));
  const select = h('select', { id: 'audit-field', name: 'field' },
    h('option', { value: '' }, 'Every compliance field'),
    FIELDS.map((f) => h('option', { value: f, selected: f === field }, f)));
  const form = h('form', { class: 'filters inline', attrs: { 'aria-label': 'Filter the timeline' } },
    h('div', { class: 'field' }, h('label', { htmlFor: 'audit-field' }, 'Show'), select),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show'),
      h('a', { class: 'button', href: href('/events', { waba_id: waba }) }, 'All events of this WABA')));
  form.addEventListener('submit', (e) => { e.preventDefault(); go(`/wabas/${segment(waba)}/audit`, { field: select.value }); });
  select.addEventListener('change', () => go(`/wabas/${segment(waba)}/audit`, { field: select.value }));
  main.append(form);
  const loading = stateBox('loading', 'Loading the timeline…');
  main.append(loading);
  let audit;
  try {
    audit = await api(`/api/v1/wabas/${segment(waba)}/audit?${qs({ field })}`);
  } catch (e) {
    loading.replaceWith(stateBox('error', e.status === 403 ? `This token may not see WABA ${waba}.` : describeError(e)));
    return;
  }
  if (stale()) return;
  loading.remove();
  main.append(currentBadges(audit.current));
  const items = [...audit.items].reverse();  // the API answers in time order
  if (!items.length) {
    main.append(stateBox('empty', field ? `No ${field} events for this WABA.` : 'Nothing about this WABA\'s compliance has been received yet.'));
    return;
  }
  main.append(h('p', { class: 'muted' }, `${items.length} item${items.length === 1 ? '' : 's'}, newest first${audit.truncated ? ' (older ones left out)' : ''}. Times are Meta's event times where given.`));
  main.append(h('ol', { class: 'timeline', attrs: { 'aria-label': 'Compliance timeline, newest first' } }, items.map((item) =>
    h('li', { class: `t-${item.field}` },
      h('div', { class: 't-when' }, time(item.event_time || item.received_at)),
      h('div', { class: 't-what' },
        h('span', { class: 't-field' }, item.field),
        h('p', { class: 't-summary' }, item.summary || ''),
        item.seq ? h('a', { href: `#/events/${segment(item.seq)}` }, `event ${item.seq}`)
          : h('a', { href: href('/subscriptions', { waba }) }, 'subscription checks'))))));
}
