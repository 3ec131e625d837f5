/**
 * Password hashing for admin accounts: bcrypt (Segment's security essentials), cost 12. Clear passwords
 * only pass through here; nothing stores or logs them.
 */
import bcrypt from 'bcrypt';
import { randomAlphanumeric } from './ids.js';

export const BCRYPT_COST = 12;

export const hashPassword = (password: string): Promise<string> => bcrypt.hash(password, BCRYPT_COST);

export const verifyPassword = (password: string, hash: string): Promise<boolean> => bcrypt.compare(password, hash);

/**
 * Spends the same time as a real comparison, so a login for an unknown email is not faster than one
 * with a wrong password (which would tell an attacker which emails exist).
 */
const dummyHash = bcrypt.hash(randomAlphanumeric(20), BCRYPT_COST);
export const burnPasswordCheck = async (password: string): Promise<void> => {
  await bcrypt.compare(password, await dummyHash);
};

/** A generated password for the first owner: 20 alphanumerics (~119 bits). */
export const generatePassword = (): string => randomAlphanumeric(20);
