// WABAs: one card per account with its counts by field, last event and a 30-day chart.
import { h, s, stateBox, idWithCopy, facts } from '../lib/dom.js';
import { api, describeError } from '../lib/api.js';
import { href, segment } from '../lib/route.js';
import { time, number, relative } from '../lib/format.js';

export const title = 'WABAs';

const DAYS = 30;

// Events per day as bars, in inline SVG (no script, no style: attributes only).
function chart(daily) {
  const width = 300;
  const height = 60;
  const max = Math.max(1, ...daily.map((d) => d.events));
  const bar = width / daily.length;
  const total = daily.reduce((n, d) => n + d.events, 0);
  const label = `Events per day over the last ${daily.length} days: ${total} in all, at most ${max} a day.`;
  return s('svg', { viewBox: `0 0 ${width} ${height + 2}`, class: 'chart', role: 'img', 'aria-label': label, preserveAspectRatio: 'none' },
    s('title', {}, label),
    s('line', { x1: 0, y1: height + 1, x2: width, y2: height + 1, class: 'axis' }),
    daily.map((d, i) => {
      const barHeight = d.events ? Math.max(2, (d.events / max) * height) : 0;
      return s('rect', { x: (i * bar + 0.5).toFixed(2), y: (height - barHeight).toFixed(2), width: Math.max(1, bar - 1).toFixed(2), height: barHeight.toFixed(2), class: 'bar' },
        s('title', {}, `${d.day}: ${d.events} event${d.events === 1 ? '' : 's'}`));
    }));
}

function card(w) {
  const fields = Object.entries(w.fields || {}).sort((a, b) => b[1] - a[1]);
  return h('article', { class: 'card waba', attrs: { 'aria-label': `WABA ${w.waba_id}` } },
    h('h2', {}, idWithCopy(w.waba_id, 'WABA id')),
    facts([
      ['Events', `${number(w.events)}${w.duplicates ? ` (+${number(w.duplicates)} duplicates)` : ''}`],
      ['Last event', h('span', {}, time(w.last_seen), h('span', { class: 'muted' }, ` · ${relative(w.last_seen)}`))],
      ['First seen', time(w.first_seen)],
    ]),
    w.daily ? h('figure', {}, chart(w.daily), h('figcaption', { class: 'muted' }, `Events per day, last ${w.daily.length} days (UTC)`)) : null,
    h('details', { class: 'fields', open: fields.length <= 6 },
      h('summary', {}, `${fields.length} field${fields.length === 1 ? '' : 's'}`),
      h('ul', { class: 'counts' }, fields.map(([f, n]) => h('li', {},
        h('a', { href: href('/events', { waba_id: w.waba_id, field: f }) }, f), h('span', { class: 'count' }, number(n)))))),
    h('p', { class: 'actions' },
      h('a', { class: 'button', href: href('/events', { waba_id: w.waba_id }) }, 'Events'),
      h('a', { class: 'button', href: `#/wabas/${segment(w.waba_id)}/audit` }, 'Audit')));
}

export async function render(main, route, stale) {
  main.append(h('h1', {}, 'WABAs'));
  const loading = stateBox('loading', 'Loading WABAs…');
  main.append(loading);
  let answer;
  try {
    answer = await api(`/api/v1/wabas?days=${DAYS}`);
  } catch (e) {
    loading.replaceWith(stateBox('error', describeError(e)));
    return;
  }
  if (stale()) return;
  loading.remove();
  if (!answer.wabas.length) {
    main.append(stateBox('empty', 'No WABA has sent anything yet (or this token sees none). Events appear here as Meta delivers them.'));
    return;
  }
  main.append(h('div', { class: 'grid' }, answer.wabas.map(card)));
}
