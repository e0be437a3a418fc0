// Server-Sent Events over fetch(): EventSource cannot send an Authorization header, so the
// stream is read with a streaming body reader and parsed here (the WHATWG format: "id:",
// "event:", "data:" lines, a blank line ends an event, ":" starts a comment).
import { token } from './session.js';
import { ApiError, toSignIn } from './api.js';

// Reads `path` until `signal` aborts or the server closes; calls onEvent({id, event, data})
// for each event and onOpen() once connected. Resolves when the stream ends; rejects with
// an ApiError when the server refuses it.
export async function readEventStream(path, { signal, lastEventId, onOpen, onEvent }) {
  const headers = { Authorization: `Bearer ${token()}`, Accept: 'text/event-stream' };
  if (lastEventId) headers['Last-Event-ID'] = String(lastEventId);
  let response;
  try {
    response = await fetch(path, { headers, signal, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    if (e.name === 'AbortError') return;
    throw new ApiError(0, 'network', 'The live stream could not connect.');
  }
  if (response.status === 401) {
    toSignIn('The service did not accept the token (401). Sign in again.');
    throw new ApiError(401, 'unauthorized', 'the token was not accepted');
  }
  if (!response.ok || !response.body) {
    let message = response.statusText || 'no stream';
    try { message = (await response.json()).error.message || message; } catch { /* not JSON */ }
    throw new ApiError(response.status, `http_${response.status}`, message);
  }
  if (onOpen) onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = { id: null, event: 'message', data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer[nl] === '\r' && buffer[nl + 1] === '\n' ? 2 : 1));
        if (line === '') {
          if (event.data.length > 0) onEvent({ id: event.id, event: event.event, data: event.data.join('\n') });
          event = { id: event.id, event: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let v = colon < 0 ? '' : line.slice(colon + 1);
        if (v.startsWith(' ')) v = v.slice(1);
        if (field === 'data') event.data.push(v);
        else if (field === 'event') event.event = v;
        else if (field === 'id') event.id = v;
      }
    }
  } catch (e) {
    if (e.name === 'AbortError') return;
    throw new ApiError(0, 'network', 'The live stream was interrupted.');
  } finally {
    reader.releaseLock();
  }
}
