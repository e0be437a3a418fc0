// Integrity: walk the journal's hash chains on the server (GET /api/v1/journal/verify).
import { h, stateBox, badge, facts } from '../lib/dom.js';
import { api, describeError } from '../lib/api.js';
import { segment } from '../lib/route.js';
import { time, number } from '../lib/format.js';
import { can } from '../lib/session.js';

export const title = 'Integrity';

function result(r) {
  return h('section', { class: 'card', attrs: { 'aria-labelledby': 'verify-h' } },
    h('h2', { id: 'verify-h' }, r.ok ? badge('Journal intact', 'ok') : badge('Journal tampered with', 'bad')),
    facts([
      ['Deliveries checked', number(r.deliveries)],
      ['Events checked', number(r.events)],
      ['First bad delivery', r.first_bad_delivery ? String(r.first_bad_delivery) : null],
      ['First bad event', r.first_bad_seq ? h('a', { href: `#/events/${segment(r.first_bad_seq)}` }, `event ${r.first_bad_seq}`) : null],
      ['Problem', r.problem ? h('span', { class: 'bad-text' }, r.problem) : null],
      ['Checked', time(r.checked_at)],
      ['Took', `${number(r.duration_ms)} ms`],
    ]));
}

export async function render(main) {
  main.append(h('h1', {}, 'Integrity'),
    h('p', {}, 'Every delivery and event row carries a hash chained to the row before it. The check recomputes both chains from the rows and looks for gaps, as ',
      h('code', {}, 'waba-journal verify'), ' does: a row edited or removed behind the service\'s back shows up here.'));
  if (!can('admin')) {
    main.append(stateBox('info', 'Running the check needs a token with scope admin.'));
    return;
  }
  const out = h('div', { attrs: { 'aria-live': 'polite' } });
  const button = h('button', { type: 'button', class: 'primary' }, 'Verify the journal now');
  button.addEventListener('click', async () => {
    button.disabled = true;
    out.replaceChildren(stateBox('loading', 'Walking both hash chains; on a large journal this takes a while…'));
    try {
      out.replaceChildren(result(await api('/api/v1/journal/verify')));
    } catch (e) {
      out.replaceChildren(e.status === 409
        ? stateBox('info', 'A verification is already running (started by someone else): ask again in a moment.')
        : stateBox('error', describeError(e)));
    } finally {
      button.disabled = false;
    }
  });
  main.append(h('p', {}, button), out);
}
