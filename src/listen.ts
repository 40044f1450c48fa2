import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on a `host:port` setting (an IPv6 host in brackets); resolves with the bound port (useful with port 0). */
export async function listenOn(server: Server, hostPort: string): Promise<number> {
  const colon = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, colon).replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(hostPort.slice(colon + 1)), host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
