// Sign in with an API token: checked with GET /api/v1/token, then kept in sessionStorage.
import { h, stateBox } from '../lib/dom.js';
import { signIn, takeSignInReason } from '../lib/session.js';

export const title = 'Sign in';

async function describeToken(candidate) {
  let response;
  try {
    response = await fetch('/api/v1/token', {
      headers: { Authorization: `Bearer ${candidate}`, Accept: 'application/json' },
      cache: 'no-store', credentials: 'omit',
    });
  } catch {
    return { error: 'The service could not be reached. Is waba-journal serve running?' };
  }
  if (response.status === 401) return { error: 'This token is not valid: unknown, mistyped or revoked.' };
  if (!response.ok) return { error: `The service answered ${response.status} while checking the token.` };
  return { who: await response.json() };
}

function safeNext(next) {
  // Only a route of this UI, never another page or origin.
  return next && next.startsWith('#/') && !next.startsWith('#/signin') ? next : '#/events';
}

export async function render(main, route) {
  const next = safeNext(route.params.get('next'));
  const reason = takeSignInReason();
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'off',
    spellcheck: false, attrs: { 'aria-describedby': 'token-help' },
  });
  const message = h('div', { attrs: { 'aria-live': 'polite' } }, reason ? stateBox('info', reason) : null);
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'signin' },
    h('label', { htmlFor: 'token' }, 'API token'),
    input,
    h('p', { id: 'token-help', class: 'help' },
      'Create one on the server with ', h('code', {}, 'waba-journal token create --scope read'),
      '. It is kept in this tab only (sessionStorage) and sent as a bearer header, never in a URL.'),
    button, message);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const candidate = input.value.trim();
    if (!candidate) {
      message.replaceChildren(stateBox('error', 'Paste a token first.'));
      input.focus();
      return;
    }
    button.disabled = true;
    message.replaceChildren(stateBox('loading', 'Checking the token…'));
    const { who, error } = await describeToken(candidate);
    button.disabled = false;
    if (error) {
      message.replaceChildren(stateBox('error', error));
      input.focus();
      return;
    }
    input.value = '';
    signIn(candidate, who);
    location.hash = next;
  });
  main.append(h('section', { class: 'narrow' }, h('h1', {}, 'Sign in'), form));
  input.focus();
}
