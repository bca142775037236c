/**
 * A TCP proxy between a client and a real database server, for outage tests: it forwards, cuts
 * (server gone: every socket destroyed, new connections refused) or hangs (server alive but
 * silent), and can be restored like a restarted server.
 */
import net from 'node:net';

/** A TCP proxy that can forward, refuse (server gone) or swallow bytes (server hung). */
export class TcpProxy {
  #server: net.Server | undefined;
  #sockets = new Set<net.Socket>();
  #mode: 'forward' | 'hang' = 'forward';
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => this.#accept(client));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  #accept(client: net.Socket): void {
    this.#track(client);
    if (this.#mode === 'hang') {
      client.on('data', () => undefined); // read and drop: the server never answers
      return;
    }
    const upstream = net.connect(this.target);
    this.#track(upstream);
    client.on('data', (chunk) => this.#mode === 'forward' && upstream.write(chunk));
    upstream.on('data', (chunk) => this.#mode === 'forward' && client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }

  #destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Server gone: established connections reset, new ones refused. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#destroyAll();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  }

  /** Server hung: connections stay open (old and new) but nothing comes back. */
  hang(): void {
    this.#mode = 'hang';
  }

  /** Server back (a restart: what was in flight is lost, new connections work). */
  async restore(): Promise<void> {
    this.#mode = 'forward';
    this.#destroyAll();
    if (!this.#server) await this.open();
  }
}

/** The same database URL, through the proxy on 127.0.0.1. */
export function viaProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}
