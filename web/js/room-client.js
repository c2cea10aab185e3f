// The connection to a premiere's room: a WebSocket to /api/rooms/{id}/socket that says hello first and
// reconnects with a growing delay (1 s to 10 s); where the socket cannot open (a proxy that refuses the
// upgrade, a browser without WebSocket), server-sent events from /api/rooms/{id}/events plus POSTs to
// /api/rooms/{id}/messages carry the same JSON messages. The protocol is docs/premieres.md's.
import { api, ApiError } from '/js/api.js';

const PARTICIPANT_KEY = 'festival.participant';
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 10_000;
// A socket that fails to open this many times in a row is given up for the event stream.
const FAILED_OPENS_BEFORE_FALLBACK = 2;
// The close code of a room whose premiere was cancelled (server/room/room_registry.hpp).
const PREMIERE_CANCELLED = 4404;

function randomHex(bytes) {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return [...values].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * This browser's participant token: 32 random hex digits kept in localStorage, so a reload or another
 * tab is the same participant (the server keeps only its hash). Without storage, one per page.
 */
export function participantToken() {
  try {
    const known = localStorage.getItem(PARTICIPANT_KEY);
    if (/^[0-9a-f]{32}$/.test(known || '')) return known;
    const made = randomHex(16);
    localStorage.setItem(PARTICIPANT_KEY, made);
    return made;
  } catch {
    participantToken.pageOnly ??= randomHex(16);
    return participantToken.pageOnly;
  }
}

/** The delay before reconnection attempt n (0-based): 1 s, 2 s, 4 s, 8 s, then 10 s. */
export function reconnectDelay(attempt) {
  return Math.min(RECONNECT_MIN_MS * 2 ** attempt, RECONNECT_MAX_MS);
}

export class RoomClient {
  /**
   * premiereId; hello(): the hello's fields as of now ({name?, moderator?, language?});
   * onMessage(message): each server message; onState(state): "connecting", "open", "closed".
   */
  constructor(premiereId, { hello = () => ({}), onMessage = () => {}, onState = () => {} } = {}) {
    this.base = `/api/rooms/${encodeURIComponent(premiereId)}`;
    this.participant = participantToken();
    this.hello = hello;
    this.onMessage = onMessage;
    this.onState = onState;
    this.socket = null;
    this.events = null;
    this.transport = typeof window.WebSocket === 'function' ? 'websocket' : 'events';
    this.failedOpens = 0;
    this.socketsPass = false;  // a socket has opened on this page
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    if (this.transport === 'websocket') this.openSocket();
    else this.openEvents();
  }

  /** Sends a message of the protocol; resolves once handed over (an error message may follow). */
  async send(message) {
    if (this.transport === 'websocket') {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) throw new Error('not connected');
      this.socket.send(JSON.stringify(message));
      return;
    }
    await this.post(message);
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
    this.events?.close();
    this.events = null;
  }

  helloMessage() {
    const fields = this.hello() || {};
    const message = { type: 'hello', participant: this.participant };
    if (fields.name) message.name = fields.name;
    if (fields.moderator) message.moderator = fields.moderator;
    if (fields.language) message.language = fields.language;
    return message;
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;  // not ours
    }
    if (message && message.type === 'welcome') this.attempt = 0;
    if (message && typeof message.type === 'string') this.onMessage(message);
  }

  // ---------- WebSocket ----------
  openSocket() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    let socket;
    this.onState('connecting');
    try {
      socket = new WebSocket(`${scheme}//${location.host}${this.base}/socket`);
    } catch {
      this.socketEnded(false);
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      this.socketsPass = true;
      this.failedOpens = 0;
      socket.send(JSON.stringify(this.helloMessage()));
      this.onState('open');
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data === 'string') this.receive(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (event.code === PREMIERE_CANCELLED) {
        // Nothing to reconnect to: the page says so and stops.
        this.stop();
        this.onState('closed');
        this.onMessage({ type: 'error', code: 'premiere_cancelled' });
        return;
      }
      this.socketEnded(opened);
    });
  }

  socketEnded(opened) {
    if (this.stopped) return;
    this.onState('closed');
    // Once a socket has opened on this page, WebSockets pass whatever is in between: sockets that fail
    // to open later are an outage (a node failing over answers 503 for a few seconds), not a proxy
    // that blocks them, so the page keeps to the socket.
    if (!opened && !this.socketsPass && ++this.failedOpens >= FAILED_OPENS_BEFORE_FALLBACK) {
      this.transport = 'events';
      this.openEvents();
      return;
    }
    this.retry(() => this.openSocket());
  }

  retry(open) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.stopped) open();
    }, reconnectDelay(this.attempt++));
  }

  // ---------- server-sent events + POST ----------
  openEvents() {
    this.onState('connecting');
    const events = new EventSource(`${this.base}/events?participant=${this.participant}`);
    this.events = events;
    events.addEventListener('open', () => {
      this.onState('open');
      // The stream is this participant's; the hello (name, moderator link, language) goes by POST.
      this.post(this.helloMessage()).catch(() => {});
    });
    events.addEventListener('message', (event) => this.receive(event.data));
    events.addEventListener('error', () => {
      if (this.events !== events) return;
      // The browser retries a dropped stream itself; one it gave up on is reopened here, with backoff.
      if (events.readyState === EventSource.CLOSED) {
        this.events = null;
        this.onState('closed');
        if (!this.stopped) this.retry(() => this.openEvents());
      } else {
        this.onState('connecting');
      }
    });
  }

  async post(message) {
    try {
      await api(`${this.base}/messages`, { method: 'POST', body: { ...message, participant: this.participant } });
    } catch (e) {
      // A refusal is told the way the socket tells it: as an error message of the protocol.
      if (e instanceof ApiError && e.status) this.onMessage({ type: 'error', code: e.code, message: e.message });
      else throw e;
    }
  }
}
