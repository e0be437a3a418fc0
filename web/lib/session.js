// The API token and what it may do, kept in sessionStorage for this tab only: never in a
// URL, never in localStorage, gone when the tab closes.

const TOKEN_KEY = 'wj.token';
const PRINCIPAL_KEY = 'wj.principal';
const SCOPES = ['read', 'replay', 'admin'];

let signInReason = '';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

// {name, scope, waba_ids} as GET /api/v1/token answered, or null.
export function principal() {
  try {
    return JSON.parse(sessionStorage.getItem(PRINCIPAL_KEY) || 'null');
  } catch {
    return null;
  }
}

export function signIn(newToken, who) {
  sessionStorage.setItem(TOKEN_KEY, newToken);
  sessionStorage.setItem(PRINCIPAL_KEY, JSON.stringify(who));
  signInReason = '';
}

// Forgets the token; `reason` is shown on the sign-in page.
export function signOut(reason = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(PRINCIPAL_KEY);
  signInReason = reason;
}

export function takeSignInReason() {
  const r = signInReason;
  signInReason = '';
  return r;
}

// Whether the signed-in token's scope includes `scope` (admin ⊃ replay ⊃ read).
export function can(scope) {
  const who = principal();
  return !!who && SCOPES.indexOf(who.scope) >= SCOPES.indexOf(scope);
}
