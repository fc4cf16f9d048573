import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Express } from 'express';
import type { SandboxConfig } from '../config.js';
import { ConfigError } from '../config.js';
import { FHIR_JSON } from '../fhir/format.js';
import { operationOutcome } from '../fhir/operation-outcome.js';

export interface RunningServer {
  server: http.Server;
  port: number;
  /** The origin, where /_admin lives: http(s)://host:port. */
  origin: string;
  /** Stop accepting, let in-flight requests finish for up to graceMs, then cut what is left. */
  close(graceMs?: number): Promise<void>;
}

function readPem(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(
      `${flag} ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

/** Node rejects some requests before Express sees them; answer those as a provider would. */
function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || (error as { code?: string }).code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const body = JSON.stringify(
    operationOutcome(
      'BAD_REQUEST',
      tooLarge
        ? 'The request headers are too large'
        : `The request is not valid HTTP (${error.code ?? 'parse error'})`,
    ),
  );
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: ${FHIR_JSON}\r\nCache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function listen(app: Express, config: SandboxConfig, onCut: () => void): Promise<RunningServer> {
  const tls = config.tls;
  const server: http.Server = tls
    ? https.createServer(
        {
          cert: readPem('--tls-cert', tls.cert),
          key: readPem('--tls-key', tls.key),
          ...(tls.ca ? { ca: readPem('--tls-ca', tls.ca) } : {}),
          // Ask for a certificate but decide per request (496, as the Spine proxy answers).
          requestCert: tls.requireClientCert,
          rejectUnauthorized: false,
        },
        app,
      )
    : http.createServer(app);
  // A slow client cannot hold a connection for ever (slow loris).
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', onClientError);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE')
        reject(
          new ConfigError(
            `port ${config.port} on ${config.host} is already in use: stop what holds it or pick another --port (0 picks a free one)`,
          ),
        );
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        reject(new ConfigError(`--host ${config.host} is not an address of this machine`));
      else if (error.code === 'EACCES')
        reject(
          new ConfigError(`port ${config.port} needs privileges this process lacks: pick a port above 1023`),
        );
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(config.port, config.host);
  });

  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const origin = `${tls ? 'https' : 'http'}://${host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    origin,
    close(graceMs = 5000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          onCut();
          server.closeAllConnections();
        }, graceMs);
        timer.unref();
        // Keep-alive connections go idle as their last response ends: close them as they do.
        const sweeper = setInterval(() => server.closeIdleConnections(), 50);
        sweeper.unref();
        server.close(() => {
          clearTimeout(timer);
          clearInterval(sweeper);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
