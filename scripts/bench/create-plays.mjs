// Starts COUNT plays of a film on the festival server, 64 at a time, as 1,000 simulated viewers
// (user agents "festival-bench-N": a viewer may hold at most 100 plays; the server runs with
// --viewers-per-address lifted, all of them being on 127.0.0.1), and prints "id agent" lines.
// Usage: node create-plays.mjs BASE_URL FILM COUNT
const [base, film, count] = process.argv.slice(2);
const total = Number(count);
const ids = [];
let next = 0;
async function worker() {
  while (next < total) {
    const agent = `festival-bench-${next % 1000}`;
    next += 1;
    const answer = await fetch(`${base}api/films/${film}/plays`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': agent },
      body: '{}',
    });
    if (answer.status !== 201) throw new Error(`play creation answered ${answer.status}: ${await answer.text()}`);
    ids.push(`${(await answer.json()).play_id} ${agent}`);
  }
}
await Promise.all(Array.from({ length: 64 }, worker));
process.stdout.write(ids.join('\n') + '\n');
