// The festival's three languages: UI strings from /i18n/<lang>.json, per-language film texts with
// fallback, and dates/numbers formatted for the viewer's language with Intl.
//
// The language is, in order: the page address's (/fr/…), the viewer's remembered choice (localStorage),
// the server's reading of Accept-Language (GET /api/locale), then navigator.languages, then English.
export const LANGUAGES = ['fr', 'en', 'es'];
const STORAGE_KEY = 'festival.lang';
const FALLBACK = 'en';
// Film texts fall back through these after the viewer's language.
const TEXT_FALLBACK = ['en', 'fr', 'es'];

let current = FALLBACK;
let strings = {};
let fallbackStrings = {};
const listeners = new Set();

function supported(tag) {
  if (typeof tag !== 'string') return null;
  const base = tag.trim().toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.includes(base) ? base : null;
}

/** The language named by the page's address (/fr/…, /en/…, /es/…), which wins over any other. */
export function addressLanguage() {
  const match = /^\/([a-z]{2})(?:\/|$)/.exec(location.pathname);
  return match && LANGUAGES.includes(match[1]) ? match[1] : null;
}

function remembered() {
  try {
    return supported(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;  // storage blocked: the choice lasts for this page only
  }
}

// Asked once per browsing session (sessionStorage), not on every page.
async function serverLocale() {
  try {
    const known = sessionStorage.getItem('festival.lang.accept');
    if (known !== null) return supported(known);
  } catch {
    // storage blocked: ask the server
  }
  try {
    const response = await fetch('/api/locale', { headers: { Accept: 'application/json' } });
    if (!response.ok) return null;
    const found = supported((await response.json()).lang);
    try {
      sessionStorage.setItem('festival.lang.accept', found || '');
    } catch {
      // storage blocked: asked again next page
    }
    return found;
  } catch {
    return null;
  }
}

function browserLocale() {
  for (const tag of navigator.languages || [navigator.language]) {
    const found = supported(tag);
    if (found) return found;
  }
  return null;
}

async function loadStrings(l) {
  const response = await fetch(`/i18n/${l}.json`);
  if (!response.ok) throw new Error(`strings for ${l}: HTTP ${response.status}`);
  return response.json();
}

async function useLanguage(l) {
  const [mine, fallback] = await Promise.all([
    loadStrings(l),
    l === FALLBACK ? null : loadStrings(FALLBACK).catch(() => ({})),
  ]);
  strings = mine;
  fallbackStrings = fallback || mine;
  current = l;
  document.documentElement.lang = l;
}

/**
 * Chooses the language and loads its strings; every page awaits this before rendering. A page whose
 * server already chose (the embed page's ?lang= or Accept-Language) passes that choice as `preferred`.
 */
export async function initI18n(preferred) {
  const chosen = supported(preferred) || addressLanguage() || remembered() || (await serverLocale()) || browserLocale() || FALLBACK;
  try {
    await useLanguage(chosen);
  } catch {
    await useLanguage(FALLBACK);
  }
  return current;
}

/** The viewer's language: "fr", "en" or "es". */
export function lang() {
  return current;
}

/** Switches language, remembers the choice and tells listeners (onLangChange) to re-render. */
export async function setLang(l) {
  const next = supported(l);
  if (!next) throw new Error(`unsupported language ${l}`);
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // storage blocked: still switch for this page
  }
  if (next === current && Object.keys(strings).length) return;
  await useLanguage(next);
  for (const listener of listeners) await listener(next);
}

/** Calls fn(lang) after every language switch. Returns a function that unsubscribes. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * The UI string for key in the viewer's language (English, then the key itself, when missing).
 * "{name}" placeholders are replaced from vars; the result is plain text, for textContent.
 */
export function t(key, vars) {
  let text = strings[key] ?? fallbackStrings[key] ?? key;
  if (vars) text = text.replace(/\{(\w+)\}/g, (all, name) => (name in vars ? String(vars[name]) : all));
  return text;
}

function textOrder() {
  return [current, ...TEXT_FALLBACK.filter((l) => l !== current)];
}

/**
 * A film's per-language texts ({fr: {title, synopsis}, en: …}) in the viewer's language, each field
 * falling back to the next language that has it. With field, returns that one string ("" if none).
 */
export function pick(texts, field) {
  texts = texts || {};
  const order = [...textOrder(), ...Object.keys(texts).filter((l) => !LANGUAGES.includes(l))];
  if (field) {
    for (const l of order) if (texts[l] && texts[l][field]) return texts[l][field];
    return '';
  }
  const merged = {};
  for (const l of [...order].reverse()) {
    for (const [k, v] of Object.entries(texts[l] || {})) if (v) merged[k] = v;
  }
  return merged;
}

/** The language pick() takes field from, for a lang attribute (screen readers pronounce it right). */
export function pickLang(texts, field) {
  texts = texts || {};
  for (const l of [...textOrder(), ...Object.keys(texts)]) if (texts[l] && texts[l][field]) return l;
  return current;
}

function toDate(value) {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value * 1000);  // unix seconds, as the API sends
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T00:00:00Z`);
  return new Date(value);
}

/**
 * A date for the viewer's language. value: "YYYY-MM-DD", an ISO time, unix seconds or a Date.
 * Calendar days ("YYYY-MM-DD") are shown as that day, whatever the viewer's time zone.
 */
export function formatDate(value, options = { dateStyle: 'long' }) {
  if (value === null || value === undefined || value === '') return '';
  const date = toDate(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const dayOnly = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
  return new Intl.DateTimeFormat(current, dayOnly ? { ...options, timeZone: 'UTC' } : options).format(date);
}

/** A number for the viewer's language (Intl.NumberFormat options, e.g. {maximumFractionDigits: 1}). */
export function formatNumber(n, options) {
  return new Intl.NumberFormat(current, options).format(n);
}

/** A country's name ("SN" → "Sénégal") in the viewer's language. */
export function countryName(code) {
  try {
    return new Intl.DisplayNames([current], { type: 'region' }).of(code) || code;
  } catch {
    return code;
  }
}

/** A language's name ("wo" → "wolof") in the viewer's language. */
export function languageName(code) {
  try {
    return new Intl.DisplayNames([current], { type: 'language' }).of(code) || code;
  } catch {
    return code;
  }
}
