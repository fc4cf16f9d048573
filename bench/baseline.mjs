/**
 * The bench's yardstick: a bare Express 5 app, spawned the same way as the sandbox (ready line on
 * stdout).
 * - Every POST: the JSON body parser, then 201 with the parsed body (the booking rows).
 * - Every GET: 200 with the bytes last given to `PUT /_bench/get-body` (the slot-search row hands
 *   it the sandbox's own answer, so both send the same bytes), as application/fhir+json; 404 before.
 *   No ETag on it: the sandbox sends none on a search. POSTs keep Express's default ETag.
 *   node bench/baseline.mjs [--port 0] [--host 127.0.0.1]
 */
import express from 'express';

function flag(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const host = flag('--host', '127.0.0.1');
const app = express();
app.use(express.json({ type: ['application/json', 'application/fhir+json'] }));
let getBody;
app.put('/_bench/get-body', express.raw({ type: () => true, limit: '64mb' }), (req, res) => {
  getBody = req.body;
  res.status(204).end();
});
app.post('/*splat', (req, res) => {
  res.status(201).json(req.body ?? {});
});
app.get('/*splat', (_req, res) => {
  if (!getBody) res.status(404).end();
  // res.end, not res.send: res.send would hash the body for an ETag, which the sandbox does not send.
  else res.status(200).type('application/fhir+json;charset=utf-8').end(getBody);
});

const server = app.listen(Number(flag('--port', '0')), host, () => {
  const { port } = server.address();
  process.stdout.write(`baseline listening on http://${host}:${port}\n`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
