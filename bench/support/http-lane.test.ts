import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpLane, parseResponse, requestHead } from './http-lane.js';

const parse = (text: string) => parseResponse(Buffer.from(text, 'latin1'));

describe('parseResponse', () => {
  it('waits for a Content-Length body', () => {
    expect(parse('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nabc')).toEqual({ done: false });
    expect(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde')).toEqual({ done: true, status: 200, close: false });
  });

  it('reads chunked bodies, split anywhere, with or without trailers', () => {
    const full = 'HTTP/1.1 503 x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\nA;ext=1\r\n0123456789\r\n0\r\n\r\n';
    for (let cut = 0; cut < full.length; cut++) expect(parse(full.slice(0, cut)).done).toBe(false);
    expect(parse(full)).toEqual({ done: true, status: 503, close: false });
    expect(parse('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-t: 1\r\n')).toEqual({ done: false });
    expect(parse('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n0\r\nx-t: 1\r\n\r\n')).toEqual({ done: true, status: 200, close: false });
  });

  it('skips interim answers, honours Connection: close and HTTP/1.0, and reads to the close without a length', () => {
    expect(parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n')).toEqual({ done: true, status: 201, close: false });
    expect(parse('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n')).toEqual({ done: true, status: 200, close: true });
    expect(parse('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n')).toEqual({ done: true, status: 200, close: true });
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')).toEqual({ done: true, status: 204, close: false });
    expect(parse('HTTP/1.1 200 OK\r\n\r\nabc')).toEqual({ done: false, untilClose: 200 });
    expect(parse('SSH-2.0\r\n\r\n').done).toBe('error');
  });
});

describe('HttpLane', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function standIn(answer: (request: IncomingMessage, body: string, response: ServerResponse) => void) {
    let connections = 0;
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => answer(request, body, response));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/track?x=1`);
    return { url, lane: new HttpLane(url.hostname, Number(url.port)), connections: () => connections };
  }

  it('sends requests one after another over one kept-alive connection, and reopens it when the server closes it', async () => {
    const seen: string[] = [];
    const { url, lane, connections } = await standIn((request, body, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers['x-k']} ${body}`);
      if (body === 'close') response.writeHead(200, { connection: 'close' }).end('bye');
      else if (body === 'chunked') {
        response.write('a');
        setTimeout(() => response.end('b'), 20);
      } else response.writeHead(400).end('{"no":1}');
    });
    const send = (body: string) => lane.send(requestHead(url, 'POST', { 'x-k': 'v' }, body.length), Buffer.from(body), performance.now());
    await lane.connect();
    expect(await send('chunked')).toEqual({ status: 200 });
    expect(await send('plain')).toEqual({ status: 400 });
    expect(connections()).toBe(1);
    expect(await send('close')).toEqual({ status: 200 });
    expect(await send('plain')).toEqual({ status: 400 });
    expect(connections()).toBe(2);
    expect(seen).toEqual(['POST /v1/track?x=1 v chunked', 'POST /v1/track?x=1 v plain', 'POST /v1/track?x=1 v close', 'POST /v1/track?x=1 v plain']);
    lane.close();
  });

  it('fails a request that outlives its timeout when swept, and then works on a new connection', async () => {
    let answered = 0;
    const { url, lane, connections } = await standIn((_request, body, response) => {
      if (body !== 'hang') response.end(String(++answered));
    });
    const hanging = lane.send(requestHead(url, 'POST', {}, 4), Buffer.from('hang'), performance.now());
    await new Promise((resolve) => setTimeout(resolve, 50));
    lane.expire(performance.now(), 10);
    expect((await hanging).error?.message).toMatch(/^timeout/);
    expect(await lane.send(requestHead(url, 'POST', {}, 2), Buffer.from('ok'), performance.now())).toEqual({ status: 200 });
    expect(connections()).toBe(2);
    lane.close();
  });
});
