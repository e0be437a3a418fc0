// Subscriptions: what the reconciler last found for each watched WABA, its history, and
// "check now" for admin tokens.
import { h, stateBox, badge, idWithCopy, table } from '../lib/dom.js';
import { api, describeError } from '../lib/api.js';
import { href, segment } from '../lib/route.js';
import { time, relative } from '../lib/format.js';
import { can } from '../lib/session.js';

export const title = 'Subscriptions';

const TONE = { subscribed: 'ok', missing: 'bad', overridden: 'bad', error: 'bad', rate_limited: 'warn', unknown: 'neutral' };

export function stateBadge(state) {
  return badge(state || 'unknown', TONE[state] || 'neutral');
}

function errorText(error) {
  if (!error) return '';
  return `${error.code !== null && error.code !== undefined ? `${error.code}: ` : ''}${error.message || ''}`;
}

async function history(box, waba, stale) {
  box.replaceChildren(stateBox('loading', `Loading the checks of ${waba}…`));
  let answer;
  try {
    answer = await api(`/api/v1/subscriptions/${segment(waba)}/history?limit=50`);
  } catch (e) {
    box.replaceChildren(stateBox('error', describeError(e)));
    return;
  }
  if (stale()) return;
  box.replaceChildren(h('h2', { id: 'history-h' }, 'Checks of ', idWithCopy(waba, 'WABA id'), ', newest first'),
    answer.checks.length ? table([
      { label: 'Checked', cell: (c) => time(c.checked_at) },
      { label: 'Action', cell: (c) => c.action },
      { label: 'State', cell: (c) => stateBadge(c.state) },
      { label: 'HTTP', cell: (c) => (c.http_status === null ? '—' : String(c.http_status)) },
      { label: 'Detail', cell: (c) => [c.override_callback_uri ? `override → ${c.override_callback_uri}` : '', errorText(c.error), c.paused_until ? ` paused until ${new Date(c.paused_until).toLocaleString()}` : ''].filter(Boolean).join('; ') },
    ], answer.checks) : stateBox('empty', 'No check of this WABA has been recorded yet.'));
}

function checkNowButton(waba, onDone) {
  const out = h('span', { class: 'muted', attrs: { 'aria-live': 'polite' } });
  const button = h('button', { type: 'button' }, 'Check now');
  button.addEventListener('click', async () => {
    button.disabled = true;
    out.textContent = ' Checking…';
    try {
      const r = await api(`/api/v1/subscriptions/${segment(waba)}/check`, { method: 'POST' });
      out.textContent = ` Now ${r.check.state}.`;
      onDone();
    } catch (e) {
      if (e.status === 503) out.textContent = ' The reconciler is off on this server.';
      else if (e.status === 429) out.textContent = ` Paused by Meta's rate limit until ${e.body && e.body.paused_until ? new Date(e.body.paused_until).toLocaleString() : 'later'}.`;
      else out.textContent = ` ${describeError(e)}`;
    } finally {
      button.disabled = false;
    }
  });
  return h('span', {}, button, out);
}

export async function render(main, route, stale) {
  const selected = route.params.get('waba') || '';
  main.append(h('h1', {}, 'Subscriptions'));
  const loading = stateBox('loading', 'Loading subscription states…');
  main.append(loading);
  let answer;
  try {
    answer = await api('/api/v1/subscriptions');
  } catch (e) {
    loading.replaceWith(stateBox('error', e.status === 503 ? 'The reconciler is off on this server.' : describeError(e)));
    return;
  }
  if (stale()) return;
  loading.remove();
  if (answer.reconciler === 'off') {
    main.append(stateBox('info', 'The reconciler is off: this server was started without a Graph API token, so nobody checks that Meta still delivers to it. Start serve with --access-token (and --waba or --watch-seen-wabas) to watch subscriptions.'));
  } else {
    const n = answer.interval_seconds;
    const every = n % 3600 === 0 ? `${n / 3600} h` : n % 60 === 0 ? `${n / 60} min` : `${n} s`;
    main.append(h('p', { class: 'muted' }, `Each WABA is checked every ${every}.`));
  }
  const historyBox = h('section', { class: 'card', attrs: { 'aria-labelledby': 'history-h' } });
  const reload = () => window.dispatchEvent(new HashChangeEvent('hashchange'));
  if (answer.subscriptions.length) {
    main.append(table([
      { label: 'WABA', cell: (r) => idWithCopy(r.waba_id, 'WABA id') },
      { label: 'State', cell: (r) => stateBadge(r.state) },
      { label: 'Last check', cell: (r) => (r.last_check ? h('span', {}, time(r.last_check), h('span', { class: 'muted' }, ` · ${relative(r.last_check)}`)) : h('span', { class: 'muted' }, 'never')) },
      { label: 'Next check', cell: (r) => h('span', {}, time(r.next_check), h('span', { class: 'muted' }, ` · ${relative(r.next_check)}`)) },
      { label: 'Detail', cell: (r) => [r.override_callback_uri ? `override → ${r.override_callback_uri}` : '', errorText(r.error), r.paused_until ? `paused until ${new Date(r.paused_until).toLocaleString()}` : ''].filter(Boolean).join('; ') || '—' },
      { label: 'Actions', cell: (r) => h('span', { class: 'actions' },
        h('a', { href: href('/subscriptions', { waba: r.waba_id }), class: 'button' }, 'History'),
        can('admin') ? checkNowButton(r.waba_id, reload) : null) },
    ], answer.subscriptions, { rowClass: (r) => (r.waba_id === selected ? 'selected' : undefined) }));
  } else if (answer.reconciler === 'on') {
    main.append(stateBox('empty', 'No WABA is watched yet (or this token sees none).'));
  }
  if (selected) {
    main.append(historyBox);
    await history(historyBox, selected, stale);
  }
}
