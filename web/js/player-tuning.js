// How the festival's player starts and adapts on the network it finds: the hls.js settings for the
// start rung, buffer goals and adaptive bitrate. Measured with scripts/bench-playback.

/**
 * The hls.js settings to start a film with. context: {saveData (the browser's data-saver
 * preference)}. Returned settings are merged into the player's own.
 */
export function hlsTuning(context = {}) {
  return context.saveData ? { startLevel: 0 } : {};
}
