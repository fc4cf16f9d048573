import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { SandboxConfig } from '../config.js';
import {
  ConfigError,
  exposedTokenMessage,
  isLoopbackHost,
  MIN_EXPOSED_TOKEN_LENGTH,
  SERVER_TIMEOUTS,
} from '../config.js';
import { MAX_DELAY_MS } from '../faults/rule.js';
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

function readPem(flag: string, option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(
      `${flag} ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      option,
    );
  }
}

/** A FHIR error written straight to the socket, for requests that never reach Express. */
function rawOutcome(socket: Socket, status: number, reason: string, diagnostics: string): void {
  const body = JSON.stringify(operationOutcome('BAD_REQUEST', diagnostics));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${FHIR_JSON}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Node rejects some requests before Express sees them; answer those as a provider would. */
function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || (error as { code?: string }).code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    rawOutcome(socket, 431, 'Request Header Fields Too Large', 'The request headers are too large');
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    rawOutcome(
      socket,
      408,
      'Request Timeout',
      'The request took too long to arrive (its headers or its body): send the whole request at once',
    );
  } else {
    rawOutcome(socket, 400, 'Bad Request', `The request is not valid HTTP (${error.code ?? 'parse error'})`);
  }
}

export async function listen(
  app: http.RequestListener,
  config: SandboxConfig,
  onCut: () => void,
): Promise<RunningServer> {
  const tls = config.tls;
  // A slow client cannot hold a connection for ever (slow loris). Node checks these timeouts every
  // connectionsCheckingInterval (30 s by default), so check often enough for them to hold.
  const timeouts = { ...SERVER_TIMEOUTS, ...config.timeouts };
  const httpOptions: http.ServerOptions = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(timeouts.headersMs / 4))),
    // Node's own answer to a missing Host is a bare 400; ours is an OperationOutcome (below).
    requireHostHeader: false,
  };
  const refuse = (
    res: http.ServerResponse,
    status: number,
    diagnostics: string,
    code: 'BAD_REQUEST' | 'INTERNAL_SERVER_ERROR' = 'BAD_REQUEST',
  ): void => {
    res.shouldKeepAlive = false;
    res
      .writeHead(status, {
        'Content-Type': FHIR_JSON,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      })
      .end(JSON.stringify(operationOutcome(code, diagnostics)));
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.headers.host === undefined && req.httpVersion === '1.1') {
      refuse(res, 400, 'An HTTP/1.1 request must carry a Host header');
      return;
    }
    // The request boundary: nothing a request does may stop the server.
    try {
      app(req, res);
    } catch (error) {
      config.log?.('error', `unexpected error: ${(error as Error)?.stack ?? String(error)}`);
      if (!res.headersSent)
        refuse(
          res,
          500,
          'The sandbox failed unexpectedly; the error is in its log.',
          'INTERNAL_SERVER_ERROR',
        );
      else res.destroy();
    }
  };
  const server: http.Server = tls
    ? https.createServer(
        {
          ...httpOptions,
          cert: readPem('--tls-cert', 'tls.cert', tls.cert),
          key: readPem('--tls-key', 'tls.key', tls.key),
          ...(tls.ca ? { ca: readPem('--tls-ca', 'tls.ca', tls.ca) } : {}),
          // Ask for a certificate but decide per request (496, as the Spine proxy answers).
          requestCert: tls.requireClientCert,
          rejectUnauthorized: false,
        },
        handler,
      )
    : http.createServer(httpOptions, handler);
  // A client that stops reading (or sending) is cut after this long idle: longer than the
  // longest fault delay a rule may ask for, so only a dead peer meets it.
  server.timeout = MAX_DELAY_MS + 60_000;
  server.on('clientError', onClientError);
  // Node's own answer to an Expect other than 100-continue is a bare 417.
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    refuse(
      res,
      417,
      `Expect: ${String(req.headers.expect).slice(0, 100)} is not supported (only 100-continue)`,
    );
  });
  // Without a listener Node drops a CONNECT request's connection without a word.
  server.on('connect', (_req: http.IncomingMessage, socket: Socket) => {
    rawOutcome(socket, 400, 'Bad Request', 'CONNECT is not supported: this is a FHIR server, not a proxy');
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE')
        reject(
          new ConfigError(
            `port ${config.port} on ${config.host} is already in use: stop what holds it or pick another --port (0 picks a free one)`,
            'port',
          ),
        );
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        reject(new ConfigError(`--host ${config.host} is not an address of this machine`, 'host'));
      else if (error.code === 'EACCES')
        reject(
          new ConfigError(
            `port ${config.port} needs privileges this process lacks: pick a port above 1023`,
            'port',
          ),
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

  const bound = server.address() as AddressInfo;
  // Exposure is judged by the address actually bound, not by --host's text: a name may resolve
  // to every interface.
  if (
    !isLoopbackHost(bound.address) &&
    (config.adminToken === undefined || config.adminToken.length < MIN_EXPOSED_TOKEN_LENGTH)
  ) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw new ConfigError(exposedTokenMessage(`${config.host} (bound to ${bound.address})`));
  }
  const port = bound.port;
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
