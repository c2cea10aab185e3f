// An alternate sound played beside the picture. The festival's video rungs are fMP4 with their stereo
// muxed in, which hls.js buffers as one audio+video SourceBuffer: it cannot swap that sound for an
// EXT-X-MEDIA rendition ("muxed audiovideo where only video expected"). So a rendition with its own
// playlist plays in a hidden <audio> element through a second hls.js, following the video: play, pause,
// seeks, rate, and waiting for each other; drift beyond DRIFT_SECONDS is corrected by a seek.

const DRIFT_SECONDS = 0.15;

export class CompanionSound {
  /** video: the picture's element; makeHls(): a new hls.js instance configured like the player's. */
  constructor(video, makeHls) {
    this.video = video;
    this.makeHls = makeHls;
    this.element = null;
    this.hls = null;
    this.url = null;
    this.videoWaitsForSound = false;
    this.listeners = [];
  }

  get active() {
    return Boolean(this.element);
  }

  /** Plays the rendition at url from the video's position (replacing any other). */
  start(url) {
    if (this.url === url && this.element) return;
    this.stop();
    this.url = url;
    const audio = document.createElement('audio');
    audio.preload = 'auto';
    audio.crossOrigin = 'anonymous';
    this.element = audio;
    this.hls = this.makeHls({ startPosition: this.video.currentTime || 0 });
    this.hls.loadSource(url);
    this.hls.attachMedia(audio);
    const video = this.video;
    const sync = () => {
      if (Math.abs(audio.currentTime - video.currentTime) > DRIFT_SECONDS) audio.currentTime = video.currentTime;
    };
    const follow = (target, type, fn) => {
      target.addEventListener(type, fn);
      this.listeners.push([target, type, fn]);
    };
    follow(video, 'play', () => {
      sync();
      audio.play().catch(() => {});
    });
    follow(video, 'pause', () => {
      if (!this.videoWaitsForSound) audio.pause();
    });
    follow(video, 'waiting', () => audio.pause());
    follow(video, 'playing', () => {
      sync();
      if (audio.paused) audio.play().catch(() => {});
    });
    follow(video, 'seeking', () => {
      audio.currentTime = video.currentTime;
    });
    follow(video, 'ratechange', () => {
      audio.playbackRate = video.playbackRate;
    });
    follow(video, 'timeupdate', () => {
      if (!video.paused && !video.seeking) sync();
    });
    // The sound stalls: the picture waits for it, then both go on together.
    follow(audio, 'waiting', () => {
      if (!video.paused) {
        this.videoWaitsForSound = true;
        video.pause();
      }
    });
    follow(audio, 'playing', () => {
      if (this.videoWaitsForSound) {
        this.videoWaitsForSound = false;
        video.play().catch(() => {});
      }
    });
    audio.playbackRate = video.playbackRate;
    if (!video.paused) audio.play().catch(() => {});
  }

  /** Back to the picture's own sound. */
  stop() {
    for (const [target, type, fn] of this.listeners) target.removeEventListener(type, fn);
    this.listeners = [];
    this.hls?.destroy();
    this.hls = null;
    if (this.element) {
      this.element.pause();
      this.element.removeAttribute('src');
      this.element.load();
    }
    this.element = null;
    this.url = null;
    this.videoWaitsForSound = false;
  }
}
