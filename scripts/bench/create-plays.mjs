// Starts COUNT plays of a film on the festival server, 64 at a time, and prints their ids one per
// line. Usage: node create-plays.mjs BASE_URL FILM COUNT   (User-Agent as the heartbeats will send)
const [base, film, count] = process.argv.slice(2);
const total = Number(count);
const ids = [];
let next = 0;
async function worker() {
  while (next < total) {
    next += 1;
    const answer = await fetch(`${base}api/films/${film}/plays`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'festival-bench' },
      body: '{}',
    });
    if (answer.status !== 201) throw new Error(`play creation answered ${answer.status}: ${await answer.text()}`);
    ids.push((await answer.json()).play_id);
  }
}
await Promise.all(Array.from({ length: 64 }, worker));
process.stdout.write(ids.join('\n') + '\n');
