// Times in the viewer's local time, with the UTC original on hover; short summaries.
import { h } from './dom.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

// A <time> showing local time, with the UTC RFC 3339 text as its title.
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return h('span', {}, String(iso));
  return h('time', { dateTime: d.toISOString(), title: `UTC ${d.toISOString()}` }, dateTime.format(d));
}

export function number(n) {
  return n === null || n === undefined ? '—' : Number(n).toLocaleString();
}

// "2 min ago" / "in 5 min" for a time near now.
export function relative(iso) {
  const ms = new Date(iso).getTime() - Date.now();
  if (Number.isNaN(ms)) return '';
  const abs = Math.abs(ms);
  const units = [['day', 86400e3], ['h', 3600e3], ['min', 60e3], ['s', 1e3]];
  for (const [unit, size] of units) {
    if (abs >= size || unit === 's') {
      const n = Math.round(abs / size);
      const text = unit === 'day' ? `${n} day${n === 1 ? '' : 's'}` : `${n} ${unit}`;
      return ms < 0 ? `${text} ago` : `in ${text}`;
    }
  }
  return '';
}

// A datetime-local input's value for an RFC 3339 time, in local time.
export function toLocalInput(iso) {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return '';
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// A datetime-local input's value (local time) as RFC 3339 UTC, or ''.
export function fromLocalInput(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString().replace('.000Z', 'Z');
}

function first(list) {
  return Array.isArray(list) && list.length > 0 ? list[0] : null;
}

function plural(n, one, many) {
  return `${number(n)} ${Number(n) === 1 ? one : many}`;
}

// One line about an erasure (an ERASURE from the API, or a tombstone's value): what went,
// never whose.
export function erasureSummary(x) {
  if (!x || typeof x !== 'object') return '';
  const what = x.scope === 'customer' ? "A customer's content erased"
    : x.scope === 'before' ? `Content received before ${x.received_before ? new Date(x.received_before).toISOString() : '?'} erased`
      : 'Content erased';
  const range = x.first_seq ? `, seq ${x.first_seq === x.last_seq ? x.first_seq : `${x.first_seq}–${x.last_seq}`}` : '';
  return `${what}: ${plural(x.events ?? 0, 'event', 'events')}, ${plural(x.deliveries ?? 0, 'delivery', 'deliveries')}${range}${x.reason ? ` (${x.reason})` : ''}`;
}

// One line about an event's value, as plain text (rendered with textContent).
export function summarize(event) {
  const v = event.value;
  if (event.erased) return event.kind ? `${event.kind}${event.status ? ` ${event.status}` : ''}` : '';
  if (!v || typeof v !== 'object') return '';
  if (event.field === 'erasure') return erasureSummary(v);
  if (event.field === 'messages' || event.field === 'smb_message_echoes') {
    const m = first(v.messages) || first(v.message_echoes);
    if (m) {
      const body = m.text?.body ?? m.button?.text ?? m.interactive?.button_reply?.title ??
        m.interactive?.list_reply?.title ?? m.image?.caption ?? m.video?.caption ??
        m.document?.filename ?? m.reaction?.emoji ?? '';
      return `${m.type || 'message'}${body ? `: ${body}` : ''}`;
    }
    const st = first(v.statuses);
    if (st) {
      const err = first(st.errors);
      return `status ${st.status}${err ? ` (${err.code}: ${err.title || err.message || ''})` : ''}`;
    }
    const err = first(v.errors);
    if (err) return `error ${err.code}: ${err.title || err.message || ''}`;
  }
  for (const key of ['event', 'decision', 'message_template_name', 'new_quality_score', 'display_phone_number']) {
    if (typeof v[key] === 'string' || typeof v[key] === 'number') return `${key.replace(/_/g, ' ')}: ${v[key]}`;
  }
  return Object.keys(v).slice(0, 4).join(', ');
}
