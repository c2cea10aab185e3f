// Viewers' media URLs carry a signed token, "/media/<film>/v<version>/<expires>-<sig>/<file>", that
// lives between S and 2S seconds (docs/api.md, "Media URLs"): a cache in front keeps one copy of each
// file for everyone and still stops serving a film soon after its screening window closes. A player
// keeps the newest token of each version — from every heartbeat's answer, or from the film's JSON when
// the server refused an expired one — and every URL it fetches is rewritten with it.

const TOKENED = /^(.*\/media\/\d+\/v(\d+)\/)(\d+)-([A-Za-z0-9_-]{22})(\/.*)$/;

export class MediaTokens {
  /** filmKey: where to ask for a fresh token (GET /api/films/<key>); src: the URL the film JSON gave. */
  constructor(filmKey, src) {
    this.filmKey = filmKey;
    this.byVersion = new Map();  // version → {token, expires}
    this.refreshing = null;
    this.learn(src);
  }

  /** Keeps the token of a tokened URL (a newer one already known stays). */
  learn(url) {
    const m = TOKENED.exec(String(url || ''));
    if (m) this.set(m[2], `${m[3]}-${m[4]}`);
  }

  set(version, token) {
    const expires = Number(String(token).split('-')[0]);
    const known = this.byVersion.get(String(version));
    if (!Number.isFinite(expires) || (known && known.expires >= expires)) return;
    this.byVersion.set(String(version), { token: String(token), expires });
  }

  /** A heartbeat's answer: {screening, media_tokens: {"<version>": token}}. */
  update(answer) {
    if (!answer || typeof answer !== 'object' || !answer.media_tokens) return;
    for (const [version, token] of Object.entries(answer.media_tokens)) this.set(version, token);
  }

  /** The URL with the newest token of its version; any other URL as it is. */
  rewrite(url) {
    const m = TOKENED.exec(String(url));
    if (!m) return url;
    const newest = this.byVersion.get(m[2]);
    return newest ? `${m[1]}${newest.token}${m[5]}` : url;
  }

  /**
   * Asks the film's JSON for a fresh token (one request at a time, shared by every refused fetch);
   * resolves true when one came, false when the film gives none (it stopped screening).
   */
  refresh() {
    if (!this.refreshing) {
      // A gated film's JSON carries no token: its player sets freshMedia (the access route's media).
      const fresh = this.freshMedia
        ? this.freshMedia()
        : fetch(`/api/films/${encodeURIComponent(this.filmKey)}`, { headers: { Accept: 'application/json' } })
          .then((response) => (response.ok ? response.json() : null))
          .then((film) => film && film.media);
      this.refreshing = fresh
        .then((media) => {
          if (!media || !media.token) return false;
          this.set(media.version, media.token);
          return true;
        })
        .catch(() => false)
        .finally(() => {
          this.refreshing = null;
        });
    }
    return this.refreshing;
  }

  /**
   * hls.js settings that fetch every playlist and segment with the newest token, and retry a request
   * refused with 403 once, after a fresh token was asked for (an expired token, after a long pause).
   */
  hlsConfig(Hls) {
    const retryOnce403 = (policy) => {
      const base = Hls.DefaultConfig[policy];
      if (!base || !base.default) return base;
      const errorRetry = base.default.errorRetry || { maxNumRetry: 0, retryDelayMs: 0, maxRetryDelayMs: 0 };
      return {
        default: {
          ...base.default,
          errorRetry: {
            ...errorRetry,
            shouldRetry: (config, retryCount, isTimeout, response, retry) => {
              if (response && response.code === 403 && retryCount === 0) {
                this.pendingRefresh = this.refresh();
                return true;
              }
              return retry;
            },
          },
        },
      };
    };
    return {
      manifestLoadPolicy: retryOnce403('manifestLoadPolicy'),
      playlistLoadPolicy: retryOnce403('playlistLoadPolicy'),
      fragLoadPolicy: retryOnce403('fragLoadPolicy'),
      xhrSetup: async (xhr, url) => {
        if (this.pendingRefresh) await this.pendingRefresh;
        this.pendingRefresh = null;
        xhr.open('GET', this.rewrite(url), true);
      },
    };
  }
}
