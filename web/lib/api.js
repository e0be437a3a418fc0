// fetch() for /api/v1 with the session's bearer token. A 401 forgets the token and goes
// back to sign-in; any other failure is an ApiError whose message says what happened.
import { token, signOut } from './session.js';
import { current, href, query } from './route.js';

export class ApiError extends Error {
  constructor(status, code, message, body = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export function toSignIn(reason) {
  signOut(reason);
  const here = current();
  const next = here.path.startsWith('/signin') ? '' : location.hash;
  location.hash = href('/signin', { next });
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  const t = token();
  if (!t) {
    toSignIn('Sign in with an API token to continue.');
    throw new ApiError(401, 'unauthorized', 'not signed in');
  }
  const headers = { Authorization: `Bearer ${t}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method, headers, signal, cache: 'no-store', credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The service could not be reached. Is waba-journal serve running?');
  }
  if (response.status === 401) {
    toSignIn('The service did not accept the token (401): it may have been revoked. Sign in again.');
    throw new ApiError(401, 'unauthorized', 'the token was not accepted');
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const err = data && data.error ? data.error : {};
    const message = err.message || response.statusText || 'request failed';
    throw new ApiError(response.status, err.code || `http_${response.status}`, message, data);
  }
  return data;
}

// "The service answered 403 (forbidden): this token may not read WABA 1."
export function describeError(e) {
  if (!(e instanceof ApiError)) return `Something went wrong: ${e && e.message ? e.message : e}`;
  if (e.status === 0) return e.message;
  return `The service answered ${e.status} (${e.code}): ${e.message}`;
}

// Query string for the API; arrays repeat the key; empty values are left out.
export function qs(params) {
  return query(params);
}
