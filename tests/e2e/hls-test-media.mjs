// Test media for the player's browser tests, built with the ffmpeg CLI: an HLS version laid out as the
// transcoder writes one (docs/audio.md): video-only rungs, an EXT-X-MEDIA audio group where every sound
// has its own playlist (the original stereo DEFAULT=YES, audio description, a dub) and the audio-only
// variant; a video variant's BANDWIDTH and AVERAGE-BANDWIDTH are its rung's plus the group's largest. Every sound is a steady tone of its own pitch, so a test can tell by ear which one plays.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SECONDS = 24;
const SEGMENT = 2;
// Pitches far apart and not harmonics of one another: the analyser tells them apart at a glance.
export const TONES = { original: 440, 'description-fr': 1000, 'dub-es': 700 };
export const RUNGS = [
  { name: 't720', width: 1280, height: 720, video: '1800k' },
  { name: 't360', width: 640, height: 360, video: '500k' },
  { name: 't144', width: 256, height: 144, video: '120k' },
];

function ffmpeg(args, cwd) {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

// A playlist's AVERAGE-BANDWIDTH (all segments) and BANDWIDTH (the largest), in bits per second, init included.
function bandwidths(dir) {
  const files = readdirSync(dir);
  const init = statSync(path.join(dir, 'init.mp4')).size;
  const segments = files.filter((f) => f.endsWith('.m4s')).map((f) => statSync(path.join(dir, f)).size);
  const total = segments.reduce((a, b) => a + b, init);
  return { average: Math.ceil((total * 8) / SECONDS), peak: Math.ceil((Math.max(...segments) * 8) / SEGMENT) };
}

function hlsArgs() {
  return ['-f', 'hls', '-hls_time', String(SEGMENT), '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4',
    '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', 'seg%03d.m4s', 'index.m3u8'];
}

/** Writes the test master and its renditions into the version folder the festival serves. */
export function buildMedia(versionDir) {
  const rungs = {};
  for (const rung of RUNGS) {
    const dir = path.join(versionDir, rung.name);
    mkdirSync(dir, { recursive: true });
    ffmpeg([
      '-f', 'lavfi', '-i', `testsrc2=size=${rung.width}x${rung.height}:rate=25`, '-t', String(SECONDS), '-an',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-b:v', rung.video,
      '-g', String(25 * SEGMENT), '-keyint_min', String(25 * SEGMENT), '-sc_threshold', '0', ...hlsArgs(),
    ], dir);
    rungs[rung.name] = bandwidths(dir);
  }
  const audio = {};
  for (const [id, frequency] of Object.entries(TONES)) {
    const dir = path.join(versionDir, 'audio', id);
    mkdirSync(dir, { recursive: true });
    ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000`, '-t', String(SECONDS),
      '-c:a', 'aac', '-ac', '2', '-b:a', '96k', ...hlsArgs()], dir);
    audio[id] = bandwidths(dir);
  }
  const largest = {
    average: Math.max(...Object.values(audio).map((a) => a.average)),
    peak: Math.max(...Object.values(audio).map((a) => a.peak)),
  };
  // The master's figures for each video variant: the rung and the largest sound it may be played with.
  const variants = Object.fromEntries(Object.entries(rungs).map(([name, rung]) => [name,
    { average: rung.average + largest.average, peak: rung.peak + largest.peak }]));
  const master = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Original",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/original/index.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio description (fr)",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",CHARACTERISTICS="public.accessibility.describes-video",URI="audio/description-fr/index.m3u8"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Doblaje (es)",LANGUAGE="es",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",URI="audio/dub-es/index.m3u8"',
    // The highest rung first: without the data saver, hls.js would start there.
    ...RUNGS.flatMap((rung) => [
      `#EXT-X-STREAM-INF:BANDWIDTH=${variants[rung.name].peak},AVERAGE-BANDWIDTH=${variants[rung.name].average},RESOLUTION=${rung.width}x${rung.height},CODECS="avc1.4d401f,mp4a.40.2",AUDIO="audio"`,
      `${rung.name}/index.m3u8`,
    ]),
    `#EXT-X-STREAM-INF:BANDWIDTH=${audio.original.peak},AVERAGE-BANDWIDTH=${audio.original.average},CODECS="mp4a.40.2",AUDIO="audio"`,
    'audio/original/index.m3u8',
    '',
  ].join('\n');
  // Written aside and renamed: the festival's file cache sees a new file, never a half-written one.
  writeFileSync(path.join(versionDir, '.master.tmp'), master);
  renameSync(path.join(versionDir, '.master.tmp'), path.join(versionDir, 'master.m3u8'));
  // rungs: each video variant's figures as the master gives them (rung + largest sound).
  return { dir: versionDir, rungs: variants, audioOnly: audio.original };
}


/**
 * A version of the layout published before video-only rungs, in `muxed/` of the version folder: one rung
 * with the original stereo muxed in, listed without URI, and an audio description with its own playlist.
 * Returns its master's text, whose URIs are relative to the version folder (served in place of master.m3u8).
 */
export function buildMuxedMedia(versionDir) {
  const rung = RUNGS[RUNGS.length - 1];
  const dir = path.join(versionDir, 'muxed', rung.name);
  mkdirSync(dir, { recursive: true });
  ffmpeg([
    '-f', 'lavfi', '-i', `testsrc2=size=${rung.width}x${rung.height}:rate=25`,
    '-f', 'lavfi', '-i', `sine=frequency=${TONES.original}:sample_rate=48000`,
    '-t', String(SECONDS), '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'main', '-pix_fmt', 'yuv420p', '-b:v', rung.video,
    '-g', String(25 * SEGMENT), '-keyint_min', String(25 * SEGMENT), '-sc_threshold', '0',
    '-c:a', 'aac', '-ac', '2', '-b:a', '96k', ...hlsArgs(),
  ], dir);
  const figures = bandwidths(dir);
  const described = path.join(versionDir, 'muxed', 'audio', 'description-fr');
  mkdirSync(described, { recursive: true });
  ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=${TONES['description-fr']}:sample_rate=48000`, '-t', String(SECONDS),
    '-c:a', 'aac', '-ac', '2', '-b:a', '96k', ...hlsArgs()], described);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Original",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2"',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio description (fr)",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,CHANNELS="2",CHARACTERISTICS="public.accessibility.describes-video",URI="muxed/audio/description-fr/index.m3u8"',
    `#EXT-X-STREAM-INF:BANDWIDTH=${figures.peak},AVERAGE-BANDWIDTH=${figures.average},RESOLUTION=${rung.width}x${rung.height},CODECS="avc1.4d401f,mp4a.40.2",AUDIO="audio"`,
    `muxed/${rung.name}/index.m3u8`,
    '',
  ].join('\n');
}
