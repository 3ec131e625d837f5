/**
 * Scenario "corrupt": kill -9 under load, then damage the END of the last log segment the way a crash
 * mid-write does, restart, and repeat; at the end every acknowledged event is delivered exactly once.
 *
 * What is and is not survivable. Sluice acknowledges an event only after the group holding it was
 * fdatasync'ed, so at any kill every acknowledged byte lies before the file's end, and what a crash can
 * leave behind is AFTER the last acknowledged byte: a torn (partial) frame, a frame whose bytes did not
 * all reach the disk (bad CRC), zeros from a file extended before its data landed, or garbage. Those
 * tails are modelled here, appended after the killed child's last byte, and recovery must cut them off
 * (`truncated a torn or corrupt tail`) without touching an acknowledged record. Truncating or flipping
 * bytes BELOW acknowledged data is not a crash fault but deliberate destruction of synced data (a disk
 * that loses fsync'ed writes); no log survives that, so it is not a case here (recovery would cut the
 * stream back to the damage and those events would be lost — by design, and loudly, in the log).
 */
import { randomBytes } from 'node:crypto';
import { appendFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFrames, FRAME_HEADER_BYTES } from '../../log/frame-codec.js';
import { ChildRunner } from '../harness/child.js';
import { delay, deliverConstantly, finishAndCheck, newDataDir, randomBetween, resultOf, startLoad, tuneLocalFiles, type ScenarioOptions, type ScenarioResult } from '../harness/scenario.js';

type Damage = 'torn-frame' | 'bad-crc-frame' | 'zeros' | 'garbage';
const damages: readonly Damage[] = ['torn-frame', 'bad-crc-frame', 'zeros', 'garbage'];

export async function corruptScenario({ short, log }: ScenarioOptions): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const rounds = short ? damages.length : damages.length * 3;
  const child = new ChildRunner(await newDataDir('corrupt'), { SLUICE_LOG_SEGMENT_BYTES: '256KiB' });
  const failures: string[] = [];
  const notes: string[] = [];
  try {
    await child.start();
    const { destinationId, sourceId } = await tuneLocalFiles(child, deliverConstantly);
    const load = startLoad(child);
    for (let round = 0; round < rounds; round++) {
      if (child.url() === undefined) await child.start();
      await delay(randomBetween(500, short ? 1_500 : 3_000));
      await child.kill9();
      const damage = damages[round % damages.length]!;
      const { segment, bytes } = await damageTail(join(child.dataDir, 'log'), damage);
      log(`corrupt: kill -9 #${round + 1}/${rounds}, appended ${bytes} bytes of ${damage} to ${segment}`);
    }
    await child.start();
    const recovered = child.stdout().split('\n').filter((line) => line.includes('truncated a torn or corrupt tail')).length;
    notes.push(`${rounds} damaged tails (${damages.join(', ')} in turn); recovery truncated ${recovered}`);
    if (recovered < rounds) failures.push(`recovery reported ${recovered} truncated tails, expected at least ${rounds}`);
    const outcome = await finishAndCheck({ child, load, destinationId, sourceId });
    return resultOf('corrupt', startedAt, child, outcome, failures, notes);
  } finally {
    await child.stop().catch(() => {});
  }
}

/** Appends a crash-like tail to the last segment of the (single) stream; what was appended where. */
async function damageTail(logDirectory: string, damage: Damage): Promise<{ segment: string; bytes: number }> {
  const streams = join(logDirectory, 'streams');
  const [stream] = await readdir(streams);
  if (stream === undefined) throw new Error(`no stream in ${streams}`);
  const segments = (await readdir(join(streams, stream))).filter((name) => name.endsWith('.seg')).sort();
  const last = segments.at(-1);
  if (last === undefined) throw new Error(`no segment in stream ${stream}`);
  const tail = tailBytes(damage);
  await appendFile(join(streams, stream, last), tail);
  return { segment: `${stream}/${last}`, bytes: tail.length };
}

function tailBytes(damage: Damage): Buffer {
  switch (damage) {
    case 'garbage':
      return randomBytes(1 + Math.floor(Math.random() * 4096));
    case 'zeros':
      return Buffer.alloc(512 + Math.floor(Math.random() * 4096));
    case 'torn-frame': {
      // A whole frame of a plausible event, cut at a random point: the write that never finished.
      const frame = wholeFrame();
      return frame.subarray(0, 1 + Math.floor(Math.random() * (frame.length - 1)));
    }
    case 'bad-crc-frame': {
      // A frame of the right length whose payload did not all reach the disk (one byte differs).
      const frame = wholeFrame();
      const at = FRAME_HEADER_BYTES + Math.floor(Math.random() * (frame.length - FRAME_HEADER_BYTES));
      frame[at] = frame[at]! ^ 0xff;
      return frame;
    }
  }
}

function wholeFrame(): Buffer {
  const payload = Buffer.from(JSON.stringify({ type: 'track', event: 'Never Acknowledged', messageId: 'torn-write', receivedAt: new Date().toISOString() }));
  const frame = Buffer.alloc(FRAME_HEADER_BYTES + payload.length);
  encodeFrames(frame, 0, [{ timestamp: Date.now(), data: payload }]);
  return frame;
}
