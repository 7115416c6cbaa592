// The StreamingGreeter page: a room's events through EventSource (GET rooms/{room}/events), publishing through
// the HTTP API (POST rooms/{room}/events). Each event's SSE id is "<epoch>:<sequence>"; the last one seen in a room is
// kept in localStorage, so a reload resumes after it (?after=) and EventSource's own reconnects resume with
// Last-Event-ID. Plain script, no build step.
'use strict';

(() => {
  const storage = {
    room: 'streaming-greeter:room',
    sender: 'streaming-greeter:sender',
    last: (room) => 'streaming-greeter:last:' + room,
  };
  // Refusals after which reconnecting cannot help: the page stops instead of asking again every few seconds.
  const final = new Set(['invalidargument', 'unauthenticated', 'permissiondenied', '3', '7', '16']);

  const $ = (id) => document.getElementById(id);
  const events = $('events');
  const status = $('status');
  const roomInput = $('room');
  const senderInput = $('sender');
  const textInput = $('text');
  const sendButton = $('send');
  const publishStatus = $('publish-status');

  let source = null;
  let room = null;
  let last = null;
  let duplicates = 0;
  // A publish whose reply did not arrive: sending the same text again reuses its id, so the room never doubles it.
  let pending = null;

  const eventsUrl = (name) => new URL('rooms/' + encodeURIComponent(name) + '/events', document.baseURI);

  function parseId(id) {
    const at = (id || '').lastIndexOf(':');
    if (at <= 0) {
      return null;
    }

    const sequence = Number(id.slice(at + 1));
    return Number.isSafeInteger(sequence) && sequence >= 0 ? { epoch: id.slice(0, at), sequence } : null;
  }

  function setStatus(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  function add(className, parts, data) {
    const item = document.createElement('li');
    item.className = className;
    for (const [name, text] of parts) {
      const span = document.createElement('span');
      span.className = name;
      span.textContent = text;
      item.append(span);
    }

    Object.assign(item.dataset, data || {});
    events.append(item);
    item.scrollIntoView({ block: 'nearest' });
    return item;
  }

  const notice = (kind, text) => add('notice ' + kind, [['text', text]]);

  function kindOf(event) {
    const kind = String(event.kind ?? '').toUpperCase();
    if (kind.includes('JOINED') || kind === '2') {
      return 'joined';
    }

    return kind.includes('LEFT') || kind === '3' ? 'left' : 'message';
  }

  function receive(message) {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      event = { text: message.data };
    }

    const id = parseId(message.lastEventId);
    if (id) {
      if (last && id.epoch === last.epoch && id.sequence <= last.sequence) {
        // Already shown: counted, so that a duplicate is visible to whoever looks, but not shown twice.
        duplicates++;
        events.dataset.duplicates = String(duplicates);
        return;
      }

      if (last && id.epoch !== last.epoch) {
        notice('epoch', `The room started again (epoch ${id.epoch}): what came after event ${last.sequence} of epoch ${last.epoch} is gone.`);
        if (id.sequence > 1) {
          notice('gap', `Events 1 to ${id.sequence - 1} of the new epoch are no longer kept.`);
        }
      } else if (last && id.sequence > last.sequence + 1) {
        const missed = id.sequence - last.sequence - 1;
        notice('gap', `${missed} event${missed === 1 ? '' : 's'} missed (${last.sequence + 1} to ${id.sequence - 1}): no longer kept by the room.`);
      }

      last = id;
      localStorage.setItem(storage.last(room), message.lastEventId);
    }

    const kind = kindOf(event);
    const sender = event.sender || '';
    const data = { kind, sender, epoch: id ? id.epoch : '', sequence: id ? String(id.sequence) : '' };
    const number = ['sequence', id ? '#' + id.sequence : ''];
    if (kind === 'message') {
      add('event message', [number, ['sender', sender], ['text', event.text || '']], data);
    } else {
      add('event notice ' + kind, [number, ['text', `${sender} ${kind === 'joined' ? 'joined' : 'left'}`]], data);
    }
  }

  // The first event of every stream: its id is where the stream starts in the room's epoch. Kept at once, so that a
  // reload before any event still resumes there; an epoch other than the one resumed in is the room started anew.
  function started(message) {
    const id = parseId(message.lastEventId);
    if (!id) {
      return;
    }

    if (last && id.epoch !== last.epoch) {
      notice('epoch', `The room started again (epoch ${id.epoch}): what came after event ${last.sequence} of epoch ${last.epoch} is gone.`);
      last = id;
    } else if (!last) {
      last = id;
    }

    localStorage.setItem(storage.last(room), last.epoch + ':' + last.sequence);
  }

  function serverError(message) {
    let info;
    try {
      info = JSON.parse(message.data);
    } catch {
      info = { message: message.data };
    }

    const code = String(info.code ?? info.status ?? info.statusCode ?? '').replace(/_/g, '').toLowerCase();
    // A refusal is an error; any other end (shutdown, a slow reader) is followed by EventSource's own reconnect.
    notice(final.has(code) ? 'error' : 'ended', info.message || info.detail || message.data || 'The server ended the stream.');
    if (final.has(code)) {
      leave('closed', 'The server refused the room: ' + (info.message || code));
    }
  }

  function leave(state = 'idle', text = 'Not in a room.') {
    if (source) {
      source.close();
      source = null;
    }

    sendButton.disabled = true;
    setStatus(state, text);
  }

  function join(name) {
    leave();
    room = name;
    localStorage.setItem(storage.room, name);
    last = parseId(localStorage.getItem(storage.last(name)));
    duplicates = 0;
    events.replaceChildren();
    events.dataset.room = name;
    events.dataset.duplicates = '0';

    const url = eventsUrl(name);
    if (last) {
      url.searchParams.set('after', last.epoch + ':' + last.sequence);
      notice('resume', `Resuming after event ${last.sequence} of epoch ${last.epoch}.`);
    }

    setStatus('connecting', `Joining ${name}…`);
    source = new EventSource(url);
    source.onopen = () => setStatus('open', `In room ${name}.`);
    source.onmessage = receive;
    source.addEventListener('epoch', started);
    source.addEventListener('error', (error) => {
      if (error instanceof MessageEvent) {
        // The server's own last word on the stream (`event: error`), not a broken connection.
        serverError(error);
      } else if (source && source.readyState === EventSource.CONNECTING) {
        setStatus('reconnecting', `Connection to ${name} lost; reconnecting…`);
      } else if (source) {
        leave('closed', `The server refused the room ${name}.`);
        explainRefusal(url);
      }
    });
    sendButton.disabled = false;
  }

  // EventSource does not show a refusal's body; ask once more to show its problem details.
  async function explainRefusal(url) {
    const abort = new AbortController();
    try {
      const response = await fetch(url, { signal: abort.signal, headers: { Accept: 'application/json' } });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        notice('error', problem.detail || problem.title || `HTTP ${response.status}`);
      }
    } catch {
      // The server is gone too: the status line says enough.
    } finally {
      abort.abort();
    }
  }

  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + '-' + Math.random().toString(36).slice(2));

  async function publish() {
    const text = textInput.value;
    if (!room || text.length === 0) {
      return;
    }

    if (!pending || pending.room !== room || pending.text !== text) {
      pending = { room, text, id: newId() };
    }

    localStorage.setItem(storage.sender, senderInput.value);
    sendButton.disabled = true;
    publishStatus.className = '';
    publishStatus.textContent = 'Sending…';
    try {
      const response = await fetch(eventsUrl(room), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sender: senderInput.value, text, message_id: pending.id }),
      });
      const reply = await response.json().catch(() => ({}));
      if (!response.ok) {
        // Bad input or a refusal is final; a limit or an unavailable server is worth the same id again.
        if (response.status < 500 && response.status !== 429) {
          pending = null;
        }

        publishStatus.className = 'error';
        publishStatus.textContent = `Not sent (${response.status}): ${reply.message || response.statusText}`;
        return;
      }

      pending = null;
      textInput.value = '';
      publishStatus.textContent = `Sent as event ${reply.sequence}.`;
    } catch {
      publishStatus.className = 'error';
      publishStatus.textContent = 'Not sent: the server cannot be reached. Send again to retry; it will not be doubled.';
    } finally {
      sendButton.disabled = !source;
    }
  }

  $('join').addEventListener('submit', (submit) => {
    submit.preventDefault();
    join(roomInput.value.trim());
  });
  $('publish').addEventListener('submit', (submit) => {
    submit.preventDefault();
    publish();
  });

  senderInput.value = localStorage.getItem(storage.sender) || '';
  const initial = new URLSearchParams(location.search).get('room') || localStorage.getItem(storage.room);
  if (initial) {
    roomInput.value = initial;
    join(initial);
  }
})();
