/**
 * CachedTail: which ranges of which segment files it drops, and when. The chain is built by hand over
 * real files; the dropper records each call (the file behind the descriptor, offset, length) and how
 * many ran at once, and lets a test hold a call open.
 */
import { readlinkSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CachedTail, dropStepBytes } from './cached-tail.js';
import type { PageCacheDropper } from './page-cache.js';
import { SegmentChain } from './segment-chain.js';
import { RecordingLogger } from './test-support/recording-logger.js';
import { useTempDirectories } from './test-support/temp-directories.js';

const tempDirectory = useTempDirectories();
const KiB = 1024;
const MiB = 1024 * KiB;

interface DropCall {
  readonly file: string;
  readonly offset: number;
  readonly length: number;
}

class RecordingDropper implements PageCacheDropper {
  readonly calls: DropCall[] = [];
  maxConcurrent = 0;
  #running = 0;
  #held: Array<() => void> | undefined;
  failWith: NodeJS.ErrnoException | undefined;

  /** Holds every call from now on until `release()`. */
  hold(): void {
    this.#held = [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const resume of held) resume();
  }

  get waiting(): number {
    return this.#held?.length ?? 0;
  }

  async drop(fd: number, offset: number, length: number): Promise<void> {
    this.calls.push({ file: basename(readlinkSync(`/proc/self/fd/${fd}`)), offset, length });
    this.#running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.#running);
    try {
      if (this.#held) await new Promise<void>((resume) => this.#held!.push(resume));
      if (this.failWith) throw this.failWith;
    } finally {
      this.#running--;
    }
  }
}

/** A chain of segments of the given sizes (the last is the active one), each backed by a real file. */
async function chainOf(sizes: readonly number[]): Promise<SegmentChain> {
  const chain = new SegmentChain(await tempDirectory());
  for (const size of sizes) {
    const segment = chain.addSegment();
    segment.size = size;
    await writeFile(segment.path, Buffer.alloc(size));
  }
  return chain;
}

async function grow(chain: SegmentChain, bytes: number): Promise<void> {
  chain.active!.size += bytes;
  await writeFile(chain.active!.path, Buffer.alloc(chain.active!.size));
}

/** Lets a started drop run to its end (file opens and closes are real I/O). */
function settle(tail: CachedTail): Promise<void> {
  return tail.idle();
}

function tailOver(chain: SegmentChain, windowBytes: number, dropper: PageCacheDropper, logger = new RecordingLogger()): CachedTail {
  return new CachedTail('s', chain, { windowBytes, dropper, logger });
}

const name = (chain: SegmentChain, index: number) => basename(chain.segments[index]!.path);

describe('CachedTail', () => {
  it('drops nothing until a whole step has left the window', async () => {
    const window = 1 * MiB;
    const chain = await chainOf([window + dropStepBytes(window) - 1]);
    const dropper = new RecordingDropper();
    const tail = tailOver(chain, window, dropper);
    tail.noteDurable();
    await settle(tail);
    expect(dropper.calls).toEqual([]);
  });

  it('drops the active segment up to the page below the window, then onwards from where it stopped', async () => {
    const window = 1 * MiB;
    // A new stream: the tail starts at the stream's start.
    const chain = await chainOf([0]);
    const dropper = new RecordingDropper();
    const tail = tailOver(chain, window, dropper);
    await grow(chain, window + 300 * KiB + 5000);
    tail.noteDurable();
    await settle(tail);
    expect(dropper.calls).toEqual([{ file: name(chain, 0), offset: 0, length: 300 * KiB + 4096 }]);
    expect(tail.droppedThrough).toBe(300 * KiB + 4096);

    // The next drop starts where this one ended, rounded down to a 2 MiB folio boundary: 0 here...
    await grow(chain, 3 * MiB);
    tail.noteDurable();
    await settle(tail);
    const target = chain.endOffset - window;
    expect(dropper.calls[1]).toEqual({ file: name(chain, 0), offset: 0, length: Math.floor(target / 4096) * 4096 });
    // ...and 2 MiB once that one ended past it.
    await grow(chain, 1 * MiB);
    tail.noteDurable();
    await settle(tail);
    expect(dropper.calls[2]!.offset).toBe(2 * MiB);
    expect(dropper.calls[2]!.offset + dropper.calls[2]!.length).toBe(Math.floor((chain.endOffset - window) / 4096) * 4096);
  });

  it('drops sealed segments out of the window whole, then the active one up to the window', async () => {
    const window = 1.5 * MiB;
    const chain = await chainOf([0]);
    const dropper = new RecordingDropper();
    const tail = tailOver(chain, window, dropper);
    // Three sealed segments of 1 MiB + 100 bytes and an active one of 1 MiB: 4 MiB + 300 in all.
    chain.active!.size = MiB + 100;
    await writeFile(chain.active!.path, Buffer.alloc(MiB + 100));
    for (let at = 0; at < 2; at++) {
      const segment = chain.addSegment();
      segment.size = MiB + 100;
      await writeFile(segment.path, Buffer.alloc(segment.size));
    }
    chain.addSegment();
    await grow(chain, MiB);
    tail.noteDurable();
    await settle(tail);
    const target = chain.endOffset - window; // 2.5 MiB + 300: inside the third segment
    const third = chain.segments[2]!;
    expect(dropper.calls).toEqual([
      { file: name(chain, 0), offset: 0, length: 0 },
      { file: name(chain, 1), offset: 0, length: 0 },
      { file: name(chain, 2), offset: 0, length: Math.floor((target - third.baseOffset) / 4096) * 4096 },
    ]);
    expect(dropper.maxConcurrent).toBe(1);
  });

  it('runs one drop at a time and catches up with the end afterwards', async () => {
    const window = 256 * KiB;
    const chain = await chainOf([0]);
    const dropper = new RecordingDropper();
    const tail = tailOver(chain, window, dropper);
    dropper.hold();
    await grow(chain, window + 200 * KiB);
    tail.noteDurable();
    await waitUntil(() => dropper.waiting === 1);
    for (let at = 0; at < 5; at++) {
      await grow(chain, 100 * KiB);
      tail.noteDurable();
    }
    expect(dropper.calls).toHaveLength(1);
    dropper.release();
    await settle(tail);
    expect(dropper.maxConcurrent).toBe(1);
    expect(dropper.calls).toHaveLength(2);
    expect(tail.droppedThrough).toBe(Math.floor((chain.endOffset - window) / 4096) * 4096);
  });

  it('skips a segment whose file retention deleted meanwhile, without a warning', async () => {
    const window = 512 * KiB;
    const chain = await chainOf([0]);
    const logger = new RecordingLogger();
    const dropper = new RecordingDropper();
    const tail = tailOver(chain, window, dropper, logger);
    await grow(chain, MiB);
    chain.addSegment();
    await grow(chain, MiB);
    chain.addSegment();
    await grow(chain, MiB);
    // Retention unlinks a consumed segment after taking it off the chain; a drop that read the chain
    // just before finds no file.
    await unlink(chain.segments[0]!.path);
    tail.noteDurable();
    await settle(tail);
    expect(logger.warnings()).toEqual([]);
    expect(dropper.calls.map((call) => call.file)).toEqual([name(chain, 1), name(chain, 2)]);
    expect(tail.droppedThrough).toBe(2.5 * MiB);
  });

  it('logs one warning and stops dropping for the stream when a drop fails', async () => {
    const window = 256 * KiB;
    const chain = await chainOf([0]);
    const logger = new RecordingLogger();
    const dropper = new RecordingDropper();
    dropper.failWith = Object.assign(new Error('Invalid argument'), { code: 'EINVAL' });
    const tail = tailOver(chain, window, dropper, logger);
    await grow(chain, MiB);
    tail.noteDurable();
    await settle(tail);
    await grow(chain, MiB);
    tail.noteDurable();
    await settle(tail);
    expect(dropper.calls).toHaveLength(1);
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]!.fields).toMatchObject({ stream: 's', err: { code: 'EINVAL' } });
  });

  it('leaves what a recovered stream held beyond the window at open-up to the kernel', async () => {
    const window = 1 * MiB;
    const chain = await chainOf([2 * MiB, 2 * MiB]);
    const dropper = new RecordingDropper();
    const tail = tailOver(chain, window, dropper);
    expect(tail.droppedThrough).toBe(3 * MiB);
    tail.noteDurable();
    await settle(tail);
    expect(dropper.calls).toEqual([]);
    await grow(chain, 512 * KiB);
    tail.noteDurable();
    await settle(tail);
    // From 3 MiB (1 MiB into the active segment, rounded down to its 2 MiB folio boundary: 0) to 3.5 MiB.
    expect(dropper.calls).toEqual([{ file: name(chain, 1), offset: 0, length: 1.5 * MiB }]);
  });

  it('close waits for the running drop and starts no other', async () => {
    const window = 256 * KiB;
    const chain = await chainOf([0]);
    const dropper = new RecordingDropper();
    const tail = tailOver(chain, window, dropper);
    dropper.hold();
    await grow(chain, MiB);
    tail.noteDurable();
    await waitUntil(() => dropper.waiting === 1);
    let closed = false;
    const closing = tail.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    dropper.release();
    await closing;
    await grow(chain, MiB);
    tail.noteDurable();
    await settle(tail);
    expect(dropper.calls).toHaveLength(1);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 500 && !condition(); attempt++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
}
