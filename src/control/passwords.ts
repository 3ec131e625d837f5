/**
 * Password hashing for admin accounts: bcrypt (Segment's security essentials), cost 12. Clear passwords
 * only pass through here; nothing stores or logs them.
 *
 * At most `PASSWORD_HASHING_CONCURRENCY` hashes or comparisons run at once; the rest wait their turn.
 * Each takes ~250 ms of one core on a libuv pool thread, the pool every event log append's write and
 * fdatasync runs on: four logins at a time once held all four threads of Node's default pool, and
 * ingest at 400 batch requests/s answered in 1.2–2.0 s at the median. Bounded, logins can take neither
 * the pool nor every core from ingest (docs/benchmarks.md).
 */
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { randomAlphanumeric } from './ids.js';

export const BCRYPT_COST = 12;

/** Half the cores, at least one. */
export const PASSWORD_HASHING_CONCURRENCY = Math.max(1, Math.floor(availableParallelism() / 2));

const hashingTurn = pLimit(PASSWORD_HASHING_CONCURRENCY);

export const hashPassword = (password: string): Promise<string> => hashingTurn(() => bcrypt.hash(password, BCRYPT_COST));

export const verifyPassword = (password: string, hash: string): Promise<boolean> => hashingTurn(() => bcrypt.compare(password, hash));

/**
 * Spends the same time as a real comparison, so a login for an unknown email is not faster than one
 * with a wrong password (which would tell an attacker which emails exist).
 */
const dummyHash = hashPassword(randomAlphanumeric(20));
export const burnPasswordCheck = async (password: string): Promise<void> => {
  await verifyPassword(password, await dummyHash);
};

/** A generated password for the first owner: 20 alphanumerics (~119 bits). */
export const generatePassword = (): string => randomAlphanumeric(20);
