// What a premiere's room shows: the chat, the questions to the director with their votes and answered
// marks, how many are in the room, slow mode, refusals, the display name, and for moderators their
// controls (delete, mute, slow mode, answered, close). Every text a participant wrote is put in the page
// as text (textContent), never as markup. New messages are announced to screen readers through one
// polite live region, at most one announcement every few seconds, so a busy chat does not drown them.
import { formatNumber, t } from '/js/i18n.js';
import { el } from '/js/layout.js';

const NAME_KEY = 'festival.room_name';
const MAX_MESSAGES = 200;
const ANNOUNCE_EVERY_MS = 5000;
const SLOW_CHOICES = [0, 10, 30, 60, 120, 300];

function storedName() {
  try {
    return (localStorage.getItem(NAME_KEY) || '').slice(0, 40);
  } catch {
    return '';
  }
}

function storeName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // storage blocked: the name lasts for this page
  }
}

function timeOf(at) {
  const date = new Date(Number(at));
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(document.documentElement.lang || undefined, { timeStyle: 'short' }).format(date);
}

/** A text a participant wrote, as a text node's content: never parsed as HTML. */
function textElement(tag, className, text) {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = String(text ?? '');
  return node;
}

export class RoomView {
  /** send(message): hands a protocol message to the room; returns a promise. */
  constructor({ send }) {
    this.send = send;
    this.you = null;
    this.moderator = false;
    this.closed = false;
    this.slowSeconds = 0;
    this.count = null;
    this.connection = 'connecting';
    this.messages = [];  // chat messages in seq order
    this.questions = new Map();  // seq → question
    this.mutedIds = new Set();
    this.voted = new Set();
    this.afterFilm = false;
    this.pendingAnnouncements = [];
    this.announceTimer = null;
    this.lastAnnounceAt = 0;
    this.build();
    this.updateTexts();
  }

  // ---------- the elements, made once (forms keep what is being typed through a language switch) ----------
  build() {
    this.title = el('h2', { id: 'room-title' });
    this.countLine = el('p', { class: 'room-count' });
    this.status = el('p', { class: 'room-status muted', role: 'status' });
    this.slowNotice = el('p', { class: 'notice room-slow', hidden: true });
    this.mutedNotice = el('p', { class: 'notice room-muted', hidden: true });
    this.closedNotice = el('p', { class: 'notice room-closed', hidden: true });
    this.error = el('p', { class: 'error room-error', role: 'alert', hidden: true });
    this.announcer = el('p', { class: 'visually-hidden room-announcer', 'aria-live': 'polite', 'aria-atomic': 'true' });

    this.nameInput = el('input', { id: 'room-name', name: 'name', type: 'text', maxlength: '40', autocomplete: 'nickname', value: storedName() });
    this.nameLabel = el('label', { for: 'room-name' });
    this.nameButton = el('button', { type: 'submit', class: 'button-secondary' });
    this.nameForm = el('form', { class: 'room-name-form', onsubmit: (e) => this.saveName(e) },
      el('div', { class: 'field' }, this.nameLabel, this.nameInput), this.nameButton);

    this.chatTitle = el('h3', { id: 'room-chat-title' });
    this.chatList = el('ol', { class: 'room-messages', 'aria-labelledby': 'room-chat-title', tabindex: '0' });
    this.chatInput = el('input', { id: 'room-say', name: 'text', type: 'text', maxlength: '500', autocomplete: 'off' });
    this.chatLabel = el('label', { for: 'room-say' });
    this.chatButton = el('button', { type: 'submit', class: 'button' });
    this.chatForm = el('form', { class: 'room-say-form', onsubmit: (e) => this.submit(e, 'say', this.chatInput) },
      el('div', { class: 'field' }, this.chatLabel, this.chatInput), this.chatButton);
    this.chat = el('section', { class: 'room-chat', 'aria-labelledby': 'room-chat-title' }, this.chatTitle, this.chatList, this.chatForm);

    this.questionsTitle = el('h3', { id: 'room-questions-title' });
    this.questionsHint = el('p', { class: 'muted room-questions-hint' });
    this.questionList = el('ol', { class: 'room-questions', 'aria-labelledby': 'room-questions-title' });
    this.askInput = el('input', { id: 'room-ask', name: 'question', type: 'text', maxlength: '300', autocomplete: 'off' });
    this.askLabel = el('label', { for: 'room-ask' });
    this.askButton = el('button', { type: 'submit', class: 'button' });
    this.askForm = el('form', { class: 'room-ask-form', onsubmit: (e) => this.submit(e, 'ask', this.askInput) },
      el('div', { class: 'field' }, this.askLabel, this.askInput), this.askButton);
    this.qa = el('section', { class: 'room-qa', 'aria-labelledby': 'room-questions-title' },
      this.questionsTitle, this.questionsHint, this.questionList, this.askForm);

    this.slowSelect = el('select', { id: 'room-slow', onchange: () => this.act({ type: 'slow', seconds: Number(this.slowSelect.value) }) });
    this.slowLabel = el('label', { for: 'room-slow' });
    this.closeButton = el('button', { type: 'button', class: 'button-secondary', onclick: () => this.closeRoom() });
    this.moderationTitle = el('h3', { id: 'room-moderation-title' });
    this.moderation = el('section', { class: 'room-moderation card', 'aria-labelledby': 'room-moderation-title', hidden: true },
      this.moderationTitle, el('div', { class: 'room-moderation-controls' }, el('div', { class: 'field' }, this.slowLabel, this.slowSelect), this.closeButton));

    this.panels = el('div', { class: 'room-panels' }, this.chat, this.qa);
    this.element = el('section', { class: 'room', 'aria-labelledby': 'room-title' },
      el('div', { class: 'room-head' }, this.title, this.countLine), this.status, this.closedNotice, this.slowNotice, this.mutedNotice,
      this.error, this.nameForm, this.moderation, this.panels, this.announcer);
  }

  /** The labels again in the viewer's language (after a switch); typed texts stay. */
  updateTexts() {
    this.title.textContent = t('room.title');
    this.nameLabel.textContent = t('room.name');
    this.nameButton.textContent = t('room.name_save');
    this.chatTitle.textContent = t('room.chat');
    this.chatLabel.textContent = t('room.message');
    this.chatButton.textContent = t('room.send');
    this.questionsTitle.textContent = t('room.questions');
    this.questionsHint.textContent = t('room.questions_hint');
    this.askLabel.textContent = t('room.question');
    this.askButton.textContent = t('room.ask');
    this.moderationTitle.textContent = t('room.moderation');
    this.slowLabel.textContent = t('room.slow_mode');
    this.closeButton.textContent = t('room.close');
    this.slowSelect.replaceChildren(...SLOW_CHOICES.map((s) => el('option', { value: String(s) }, s ? t('room.slow_every', { seconds: s }) : t('room.slow_off'))));
    this.slowSelect.value = String(SLOW_CHOICES.includes(this.slowSeconds) ? this.slowSeconds : 0);
    this.renderState();
    this.renderMessages();
    this.renderQuestions();
  }

  /** After the film the questions come first. */
  setAfterFilm(after) {
    this.afterFilm = after;
    this.element.classList.toggle('room-after', after);
    if (after) this.panels.replaceChildren(this.qa, this.chat);
    else this.panels.replaceChildren(this.chat, this.qa);
  }

  setConnection(state) {
    this.connection = state;
    this.renderState();
  }

  renderState() {
    this.countLine.textContent = this.count === null ? '' : t('room.count', { count: formatNumber(this.count) });
    this.status.textContent = this.connection === 'open' ? '' : t(this.connection === 'closed' ? 'room.reconnecting' : 'room.connecting');
    this.slowNotice.hidden = !(this.slowSeconds > 0);
    this.slowNotice.textContent = t('room.slow_notice', { seconds: this.slowSeconds });
    const mutedYou = this.you && this.mutedIds.has(this.you.id);
    this.mutedNotice.hidden = !mutedYou;
    this.mutedNotice.textContent = t('room.you_muted');
    this.closedNotice.hidden = !this.closed;
    this.closedNotice.textContent = t('room.closed');
    this.moderation.hidden = !this.moderator || this.closed;
    for (const input of [this.chatInput, this.chatButton, this.askInput, this.askButton]) input.disabled = this.closed;
    if (this.slowSelect.value !== String(this.slowSeconds) && SLOW_CHOICES.includes(this.slowSeconds)) this.slowSelect.value = String(this.slowSeconds);
  }

  // ---------- messages from the room ----------
  receive(message) {
    switch (message.type) {
      case 'welcome': return this.welcome(message);
      case 'message': return this.addMessage(message, true);
      case 'question': return this.updateQuestion(message, true);
      case 'deleted': return this.remove(message.seq);
      case 'count':
        this.count = Number(message.count) || 0;
        return this.renderState();
      case 'slow':
        this.slowSeconds = Number(message.seconds) || 0;
        return this.renderState();
      case 'muted':
        if (message.muted) this.mutedIds.add(message.id);
        else this.mutedIds.delete(message.id);
        this.renderState();
        return this.renderMessages();
      case 'clock':
        if (message.phase === 'ended') this.setClosed();
        return undefined;
      case 'error': return this.showError(message);
      default: return undefined;
    }
  }

  welcome(message) {
    this.you = message.you || null;
    this.moderator = Boolean(this.you && this.you.moderator);
    this.mutedIds = new Set(this.you && this.you.muted ? [this.you.id] : []);
    // Moderators are told who is muted already.
    for (const id of Array.isArray(message.muted) ? message.muted : []) this.mutedIds.add(String(id));
    this.count = Number(message.count) || 0;
    this.slowSeconds = Number(message.slow_seconds) || 0;
    this.messages = (message.messages || []).filter((m) => m && m.type !== 'deleted').slice(-MAX_MESSAGES);
    this.questions = new Map((message.questions || []).map((q) => [q.seq, q]));
    if (message.premiere && message.premiere.phase === 'ended') this.closed = true;
    this.hideError();
    this.renderState();
    this.renderMessages();
    this.renderQuestions();
  }

  setClosed() {
    if (this.closed) return;
    this.closed = true;
    this.renderState();
    this.renderQuestions();
  }

  addMessage(message, announce) {
    if (this.messages.some((m) => m.seq === message.seq)) return;
    this.messages.push(message);
    const nearBottom = this.chatList.scrollHeight - this.chatList.scrollTop - this.chatList.clientHeight < 40;
    this.chatList.append(this.messageItem(message));
    while (this.messages.length > MAX_MESSAGES) {
      const gone = this.messages.shift();
      this.chatList.querySelector(`li[data-seq="${gone.seq}"]`)?.remove();
    }
    if (nearBottom) this.chatList.scrollTop = this.chatList.scrollHeight;
    if (announce && !(this.you && message.from && message.from.id === this.you.id)) this.announce(message);
  }

  updateQuestion(question, announce) {
    const isNew = !this.questions.has(question.seq);
    this.questions.set(question.seq, question);
    this.renderQuestions();
    if (announce && isNew && !(this.you && question.from && question.from.id === this.you.id)) this.announce(question, 'room.announce_question');
  }

  remove(seq) {
    this.messages = this.messages.filter((m) => m.seq !== seq);
    this.chatList.querySelector(`li[data-seq="${seq}"]`)?.remove();
    if (this.questions.delete(seq)) this.renderQuestions();
  }

  showError(error) {
    if (error.code === 'room_closed' || error.code === 'premiere_cancelled') this.setClosed();
    const key = `room.error.${error.code}`;
    let text = t(key) === key ? error.message || t('room.error.invalid_message') : t(key);
    if (error.retry_after) text = `${text} ${t('room.retry_after', { seconds: Math.ceil(Number(error.retry_after)) })}`;
    this.error.textContent = text;
    this.error.hidden = false;
  }

  hideError() {
    this.error.hidden = true;
    this.error.textContent = '';
  }

  // ---------- drawing ----------
  fromName(from) {
    return (from && from.name) || t('room.anonymous');
  }

  messageItem(message) {
    const mine = this.you && message.from && message.from.id === this.you.id;
    const item = el('li', { class: mine ? 'room-message room-mine' : 'room-message', 'data-seq': String(message.seq) });
    const meta = el('p', { class: 'room-meta' }, textElement('span', 'room-from', this.fromName(message.from)), ' ',
      el('time', { class: 'muted', datetime: new Date(Number(message.at) || 0).toISOString() }, timeOf(message.at)));
    item.append(meta, textElement('p', 'room-text', message.text));
    if (this.moderator && !this.closed) item.append(this.moderatorButtons(message, false));
    return item;
  }

  moderatorButtons(entry, isQuestion) {
    const name = this.fromName(entry.from);
    const buttons = [el('button', {
      type: 'button', class: 'link-button room-delete', 'aria-label': t('room.delete_from', { name }), onclick: () => this.act({ type: 'delete', seq: entry.seq }),
    }, t('room.delete'))];
    if (isQuestion && !entry.answered) {
      buttons.push(el('button', {
        type: 'button', class: 'link-button room-answered', 'aria-label': t('room.mark_answered_from', { name }), onclick: () => this.act({ type: 'answered', seq: entry.seq }),
      }, t('room.mark_answered')));
    }
    const id = entry.from && entry.from.id;
    if (id && !(this.you && id === this.you.id)) {
      const muted = this.mutedIds.has(id);
      buttons.push(el('button', {
        type: 'button',
        class: 'link-button room-mute',
        'aria-label': t(muted ? 'room.unmute_name' : 'room.mute_name', { name }),
        onclick: () => this.act({ type: muted ? 'unmute' : 'mute', id }),
      }, t(muted ? 'room.unmute' : 'room.mute')));
    }
    return el('p', { class: 'room-actions' }, buttons);
  }

  renderMessages() {
    this.chatList.replaceChildren(...this.messages.map((m) => this.messageItem(m)));
    this.chatList.scrollTop = this.chatList.scrollHeight;
  }

  renderQuestions() {
    const ordered = [...this.questions.values()].sort((a, b) =>
      Number(Boolean(a.answered)) - Number(Boolean(b.answered)) || (b.votes || 0) - (a.votes || 0) || a.seq - b.seq);
    this.questionList.replaceChildren(...ordered.map((q) => this.questionItem(q)));
    if (!ordered.length) this.questionList.append(el('li', { class: 'muted room-no-questions' }, t('room.no_questions')));
  }

  questionItem(question) {
    const votes = Number(question.votes) || 0;
    const voted = this.voted.has(question.seq);
    const mine = this.you && question.from && question.from.id === this.you.id;
    const item = el('li', { class: question.answered ? 'room-question room-answered-question' : 'room-question', 'data-seq': String(question.seq) });
    // Named by what it shows (the count) and what it does, for screen readers and voice control alike.
    const vote = el('button', {
      type: 'button',
      class: 'room-vote',
      'aria-pressed': String(voted),
      disabled: voted || mine || this.closed || question.answered ? true : null,
      onclick: () => this.vote(question.seq),
    }, el('span', { 'aria-hidden': 'true' }, '▲'), el('span', { class: 'room-votes' }, formatNumber(votes)),
    el('span', { class: 'visually-hidden' }, ` ${t('room.vote_label', { count: votes })}`));
    const body = el('div', { class: 'room-question-body' },
      textElement('p', 'room-text', question.text),
      el('p', { class: 'room-meta muted' }, textElement('span', 'room-from', this.fromName(question.from)),
        question.answered ? el('span', { class: 'tag tag-now room-answered-mark' }, t('room.answered')) : null));
    if (this.moderator && !this.closed) body.append(this.moderatorButtons(question, true));
    item.append(vote, body);
    return item;
  }

  // ---------- screen readers ----------
  announce(entry, key = 'room.announce_message') {
    this.pendingAnnouncements.push({ name: this.fromName(entry.from), text: String(entry.text || '').slice(0, 140), key });
    if (this.announceTimer) return;
    const wait = Math.max(0, this.lastAnnounceAt + ANNOUNCE_EVERY_MS - Date.now());
    this.announceTimer = setTimeout(() => this.flushAnnouncements(), wait);
  }

  flushAnnouncements() {
    this.announceTimer = null;
    const pending = this.pendingAnnouncements;
    this.pendingAnnouncements = [];
    if (!pending.length) return;
    this.lastAnnounceAt = Date.now();
    const one = pending[0];
    this.announcer.textContent = pending.length === 1 ? t(one.key, { name: one.name, text: one.text }) : t('room.announce_many', { count: pending.length });
  }

  // ---------- the participant's actions ----------
  name() {
    return this.nameInput.value.trim();
  }

  async saveName(event) {
    event.preventDefault();
    const name = this.name();
    if (!name) {
      this.showError({ code: 'name_required' });
      this.nameInput.focus();
      return;
    }
    storeName(name);
    this.hideError();
    if ((await this.act({ type: 'name', name })) && this.you) this.you.name = name;
  }

  async submit(event, type, input) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    const name = this.name();
    if (!name) {
      this.showError({ code: 'name_required' });
      this.nameInput.focus();
      return;
    }
    // A name typed but not yet saved goes first, so the room knows who speaks.
    if (!this.you || this.you.name !== name) {
      storeName(name);
      if (!(await this.act({ type: 'name', name }))) return;
      if (this.you) this.you.name = name;
    }
    if (await this.act({ type, text })) {
      input.value = '';
      this.hideError();
    }
  }

  async vote(seq) {
    if (await this.act({ type: 'vote', seq })) {
      this.voted.add(seq);
      this.renderQuestions();
    }
  }

  async closeRoom() {
    if (!window.confirm(t('room.close_confirm'))) return;
    await this.act({ type: 'close' });
  }

  async act(message) {
    try {
      await this.send(message);
      return true;
    } catch {
      this.showError({ code: 'not_connected' });
      return false;
    }
  }

  destroy() {
    clearTimeout(this.announceTimer);
  }
}

export { storedName };
