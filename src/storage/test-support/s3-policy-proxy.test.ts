import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { S3PolicyProxy } from './s3-policy-proxy.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('S3PolicyProxy', () => {
  it('aborts the upstream upload when the client goes away mid-body (refuseConnections), instead of leaving it hanging', async () => {
    let upstreamAborted!: () => void;
    const aborted = new Promise<void>((resolve) => (upstreamAborted = resolve));
    let upstreamStarted!: () => void;
    const started = new Promise<void>((resolve) => (upstreamStarted = resolve));
    const upstream = http.createServer((request) => {
      upstreamStarted();
      request.on('close', () => {
        if (!request.complete) upstreamAborted();
      });
      request.resume();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => { upstream.closeAllConnections(); upstream.close(() => resolve()); }));
    const proxy = await S3PolicyProxy.start({ host: '127.0.0.1', port: (upstream.address() as AddressInfo).port });
    closers.push(() => proxy.close());

    const client = net.connect(Number(new URL(proxy.endpoint).port), '127.0.0.1');
    client.on('error', () => {});
    closers.push(async () => void client.destroy());
    client.write('PUT /bucket/segment-logs/src/1700006400000/a.gz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n0123456789');
    await started;
    await proxy.refuseConnections();
    await aborted;
    expect(proxy.requestsOf('PutObject')).toHaveLength(1);
  });
});
