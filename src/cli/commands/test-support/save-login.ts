/**
 * Child process for credentials-file.durability.integration.test.ts: saves a login under the config
 * directory `argv[2]` as `sluice login` does, and prints the file's path.
 */
import { saveLogin } from '../credentials-file.js';

const file = await saveLogin({ XDG_CONFIG_HOME: process.argv[2]! }, { url: 'http://127.0.0.1:8080', token: 'sluice_test_token', email: 'owner@example.com' });
process.stdout.write(file);
