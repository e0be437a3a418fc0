// The shell: navigation, sign-in guard and the hash router. Each page is one module with
// render(main, route) → optional cleanup (stops polling or a live stream on leaving).
import { h, clear, stateBox } from './lib/dom.js';
import { current, href } from './lib/route.js';
import { principal, token, signOut, can } from './lib/session.js';
import { describeError } from './lib/api.js';
import * as signin from './pages/signin.js';
import * as events from './pages/events.js';
import * as event from './pages/event.js';
import * as wabas from './pages/wabas.js';
import * as audit from './pages/audit.js';
import * as message from './pages/message.js';
import * as subscriptions from './pages/subscriptions.js';
import * as destinations from './pages/destinations.js';
import * as integrity from './pages/integrity.js';
import * as erasure from './pages/erasure.js';

// [first path segment, nav label, page, scope needed to see it in the menu]
const NAV = [
  ['events', 'Events', events, 'read'],
  ['wabas', 'WABAs', wabas, 'read'],
  ['message', 'Message', message, 'read'],
  ['subscriptions', 'Subscriptions', subscriptions, 'read'],
  ['destinations', 'Forwarding', destinations, 'read'],
  ['erasures', 'Erasures', erasure, 'read'],
  ['integrity', 'Integrity', integrity, 'admin'],
];

function pageFor(parts) {
  const [first, second, third] = parts;
  if (first === 'signin') return signin;
  if (first === 'events' && second) return event;
  if (first === 'wabas' && second && third === 'audit') return audit;
  const entry = NAV.find(([name]) => name === first);
  return entry ? entry[2] : null;
}

function renderChrome(parts) {
  const nav = clear(document.getElementById('nav'));
  const who = clear(document.getElementById('who'));
  const p = principal();
  if (!token() || !p) return;
  const here = parts[0] === 'wabas' && parts[2] === 'audit' ? 'wabas' : parts[0];
  nav.append(h('ul', {}, NAV.filter(([, , , scope]) => can(scope)).map(([name, label]) =>
    h('li', {}, h('a', { href: `#/${name}`, attrs: { 'aria-current': here === name ? 'page' : null } }, label)))));
  const limit = p.waba_ids && p.waba_ids.length ? ` · ${p.waba_ids.length} WABA${p.waba_ids.length === 1 ? '' : 's'}` : '';
  who.append(
    h('span', { class: 'who-name', title: p.waba_ids && p.waba_ids.length ? `Limited to ${p.waba_ids.join(', ')}` : 'Every WABA' },
      `${p.name || 'token'} · ${p.scope}${limit}`),
    h('button', {
      type: 'button', class: 'link-button', on: {
        click: () => { signOut('You signed out.'); location.hash = href('/signin'); },
      },
    }, 'Sign out'));
}

let cleanup = null;
let generation = 0;

async function route() {
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  const mine = ++generation;
  const r = current();
  if (r.parts.length === 0) { location.replace('#/events'); return; }
  const main = document.getElementById('main');
  if (r.parts[0] !== 'signin' && (!token() || !principal())) {
    location.replace(href('/signin', { next: location.hash }));
    return;
  }
  renderChrome(r.parts);
  const page = pageFor(r.parts);
  clear(main);
  if (!page) {
    document.title = 'Not found · WABA Journal';
    main.append(h('h1', {}, 'No such page'), stateBox('error', 'Nothing lives at ', h('code', {}, location.hash), '. ', h('a', { href: '#/events' }, 'Go to the events.')));
    return;
  }
  document.title = `${page.title} · WABA Journal`;
  try {
    const done = await page.render(main, r, () => mine !== generation);
    if (mine === generation) cleanup = typeof done === 'function' ? done : null;
    else if (typeof done === 'function') done();
  } catch (e) {
    if (mine !== generation) return;
    main.append(stateBox('error', describeError(e)));
  }
  if (mine === generation && r.parts[0] !== 'signin') {
    const heading = main.querySelector('h1');
    if (heading && document.activeElement === document.body) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  }
}

window.addEventListener('hashchange', route);
route();
