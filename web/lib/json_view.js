// A collapsible JSON tree: objects and arrays are <details> (keyboard operable by default),
// every key and value a text node.
import { h } from './dom.js';

function scalar(value) {
  if (value === null) return h('span', { class: 'j-null' }, 'null');
  switch (typeof value) {
    case 'string': return h('span', { class: 'j-str' }, JSON.stringify(value));
    case 'number': return h('span', { class: 'j-num' }, String(value));
    case 'boolean': return h('span', { class: 'j-bool' }, String(value));
    default: return h('span', {}, String(value));
  }
}

function node(key, value, depth, openDepth) {
  const label = key === null ? null : h('span', { class: 'j-key' }, `${JSON.stringify(key)}: `);
  if (value === null || typeof value !== 'object') {
    return h('div', { class: 'j-row' }, label, scalar(value));
  }
  const isArray = Array.isArray(value);
  const entries = isArray ? value.map((v, i) => [i, v]) : Object.entries(value);
  const count = `${isArray ? '[' : '{'} ${entries.length} ${isArray ? (entries.length === 1 ? 'item' : 'items') : (entries.length === 1 ? 'key' : 'keys')} ${isArray ? ']' : '}'}`;
  if (entries.length === 0) return h('div', { class: 'j-row' }, label, h('span', { class: 'j-null' }, isArray ? '[]' : '{}'));
  const details = h('details', { class: 'j-node', open: depth < openDepth },
    h('summary', {}, label, h('span', { class: 'j-count' }, count)),
    h('div', { class: 'j-children' }, entries.map(([k, v]) => node(isArray ? null : k, v, depth + 1, openDepth))));
  return details;
}

export function jsonView(value, { openDepth = 5 } = {}) {
  return h('div', { class: 'json' }, node(null, value, 0, openDepth));
}
