/**
 * The bench's yardstick: a bare Express 5 app with the JSON body parser that answers every POST
 * with 201 and the parsed body, spawned the same way as the sandbox (ready line on stdout).
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
app.post('/*splat', (req, res) => {
  res.status(201).json(req.body ?? {});
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
