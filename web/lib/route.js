// Hash routes: "#/events?field=messages" → {path: "/events", parts: ["events"], params}.
// Every page keeps its filters in the hash, so a link shows the same view to someone else.

export function current() {
  const hash = location.hash.replace(/^#/, '') || '/events';
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  const parts = path.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  return { path, parts, params };
}

// "#/path?k=v", skipping empty values; `params` is an object (arrays repeat the key) or
// URLSearchParams.
export function href(path, params = {}) {
  const qs = query(params);
  return `#${path}${qs ? `?${qs}` : ''}`;
}

// "k=v&k=w" from an object (arrays repeat the key) or URLSearchParams, skipping empties.
export function query(params = {}) {
  const q = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? params.entries() : Object.entries(params);
  for (const [k, v] of entries) {
    for (const one of Array.isArray(v) ? v : [v]) {
      if (one !== undefined && one !== null && one !== '' && one !== false) q.append(k, String(one));
    }
  }
  return q.toString();
}

export function go(path, params = {}) {
  const target = href(path, params);
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

export function segment(value) {
  return encodeURIComponent(String(value));
}
