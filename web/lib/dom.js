// Building DOM nodes without HTML strings: every value becomes a text node or a property,
// so content from webhooks (message text, names, captions) can never become markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    if (key === 'innerHTML' || key === 'outerHTML' || key === 'style') {
      throw new Error(`dom: ${key} is not allowed`);
    }
    if (key === 'class') el.setAttribute('class', value);
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (key === 'attrs') {
      for (const [name, v] of Object.entries(value)) {
        if (/^on/i.test(name) || name === 'style') throw new Error(`dom: attribute ${name}`);
        if (v !== undefined && v !== null && v !== false) el.setAttribute(name, v === true ? '' : String(v));
      }
    } else if (key === 'dataset') Object.assign(el.dataset, value);
    else el[key] = value;
  }
}

// h('a', {href: '#/events', class: 'x'}, 'text', child, [more]) → an element.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  append(el, children);
  return el;
}

// The same for SVG elements; props are attributes.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, v] of Object.entries(attrs || {})) {
    if (/^on/i.test(name) || name === 'style') throw new Error(`dom: attribute ${name}`);
    el.setAttribute(name, String(v));
  }
  append(el, children);
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

// A status line: kind is loading | empty | error | info | ok.
export function stateBox(kind, ...message) {
  return h('p', { class: `state state-${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } },
    ...message);
}

export function badge(text, tone = 'neutral', title) {
  return h('span', { class: `badge badge-${tone}`, title }, text);
}

// A <code> for an id, with a button that copies it.
export function idWithCopy(id, label = 'id') {
  const text = String(id);
  return h('span', { class: 'id' }, h('code', {}, text), copyButton(text, label));
}

export function copyButton(text, label = 'id') {
  const button = h('button', {
    type: 'button',
    class: 'copy',
    title: `Copy ${label}`,
    attrs: { 'aria-label': `Copy ${label} ${text}` },
  }, 'Copy');
  button.addEventListener('click', async () => {
    const ok = await copyText(text);
    button.textContent = ok ? 'Copied' : 'Copy failed';
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  });
  return button;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (an insecure origin): select the text in a scratch field.
    const area = h('textarea', { value: text, readOnly: true, class: 'offscreen' });
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    area.remove();
    return ok;
  }
}

// A <dl> from [term, value] pairs; rows whose value is null/undefined are left out.
export function facts(pairs) {
  const dl = h('dl', { class: 'facts' });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined) continue;
    dl.append(h('div', {}, h('dt', {}, term), h('dd', {}, value)));
  }
  return dl;
}

// A table: columns are [{label, cell: row → node|string}]; rows get data-label for phones.
export function table(columns, rows, { caption, rowClass } = {}) {
  const thead = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { attrs: { scope: 'col' } }, c.label))));
  const tbody = h('tbody', {}, rows.map((row) =>
    h('tr', { class: rowClass ? rowClass(row) : undefined },
      columns.map((c) => h('td', { attrs: { 'data-label': c.label } }, h('span', { class: 'cell' }, c.cell(row)))))));
  return h('table', { class: 'rows' }, caption ? h('caption', {}, caption) : null, thead, tbody);
}
