/**
 * Test-only fault injection at the delivery steps that matter for exactly-once: after the batch is
 * recorded, after the destination accepted it, after the cursor is committed. Inert unless a test
 * passes a hook or sets `SLUICE_DELIVERY_FAULT` (read once, at start-up).
 *
 * `SLUICE_DELIVERY_FAULT=<point>:<action>`, point ∈ after-record | after-deliver | after-commit:
 *   - `kill`:  the process SIGKILLs itself at that instant (a crash, nothing flushed or cleaned up);
 *   - `pause`: writes `sluice-delivery-fault paused <point>` to stderr and never continues, so a test
 *              can `kill -9` the process from outside at a known point.
 * `SLUICE_DELIVERY_FAULT_SKIP=n` lets the first n passes through that point go by unharmed.
 */

export type FaultPoint = 'after-record' | 'after-deliver' | 'after-commit';

export const faultPoints: readonly FaultPoint[] = ['after-record', 'after-deliver', 'after-commit'];

/** Called by the runner at each point; may throw (simulated crash), never resolve (pause), or return. */
export type FaultHook = (point: FaultPoint, where: { destinationId: string; sourceId: string }) => void | Promise<void>;

/** Thrown by in-process test hooks to stop a runner dead, as a crash would: no cleanup, no commit. */
export class SimulatedCrash extends Error {
  constructor(point: FaultPoint) {
    super(`simulated crash ${point}`);
    this.name = 'SimulatedCrash';
  }
}

export function faultHookFromEnv(env: NodeJS.ProcessEnv = process.env): FaultHook | undefined {
  const spec = env.SLUICE_DELIVERY_FAULT;
  if (!spec) return undefined;
  const [point, action] = spec.split(':') as [string, string | undefined];
  if (!faultPoints.includes(point as FaultPoint) || (action !== 'kill' && action !== 'pause')) {
    throw new Error(`SLUICE_DELIVERY_FAULT must be <${faultPoints.join('|')}>:<kill|pause>, got "${spec}"`);
  }
  let skip = Number(env.SLUICE_DELIVERY_FAULT_SKIP ?? 0);
  return async (reached) => {
    if (reached !== point) return;
    if (skip-- > 0) return;
    if (action === 'kill') process.kill(process.pid, 'SIGKILL');
    process.stderr.write(`sluice-delivery-fault paused ${point}\n`);
    await new Promise<never>(() => {});
  };
}
