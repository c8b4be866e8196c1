import { once } from 'node:events';
import net from 'node:net';

export interface CuttingProxy {
  endpoint: string;
  /** Connections it has cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real S3 endpoint that drops a connection once it has passed more
 * than `requestBytes` toward the store or `responseBytes` back: the network (or the store's
 * process) failing mid-transfer, a fault the store itself will not produce on request.
 */
export async function startCuttingProxy({
  upstream,
  requestBytes = Number.POSITIVE_INFINITY,
  responseBytes = Number.POSITIVE_INFINITY,
}: {
  upstream: string;
  requestBytes?: number;
  responseBytes?: number;
}): Promise<CuttingProxy> {
  const target = new URL(upstream);
  const sockets = new Set<net.Socket>();
  let cuts = 0;
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port), target.hostname);
    sockets.add(inbound).add(outbound);
    const cut = () => {
      cuts++;
      inbound.destroy();
      outbound.destroy();
    };
    const relay = (from: net.Socket, to: net.Socket, limit: number) => {
      let passed = 0;
      from.on('data', (chunk: Buffer) => {
        passed += chunk.length;
        if (passed > limit) cut();
        else to.write(chunk);
      });
    };
    relay(inbound, outbound, requestBytes);
    relay(outbound, inbound, responseBytes);
    for (const socket of [inbound, outbound]) {
      socket.on('error', () => {
        inbound.destroy();
        outbound.destroy();
      });
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.on('end', () => outbound.end());
    outbound.on('end', () => inbound.end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
