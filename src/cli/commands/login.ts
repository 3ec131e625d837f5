/**
 * `sluice login [--url] [--email] [--password-stdin] [--code <totp>] [--token <api token>]`: logs in
 * (or checks the API token given) and saves `{url, token}` for the other admin commands in a 0600 file
 * (credentials-file.ts). `sluice logout` ends the session on the server and forgets it.
 */
import type { Command } from 'commander';
import { AdminClient, CliError, login } from './admin-client.js';
import { forgetLogin, readSavedLogin, saveLogin } from './credentials-file.js';
import { processIo, runCli, type CliIo } from './output.js';
import { passwordFrom } from './read-secret.js';

interface LoginOptions {
  readonly url?: string;
  readonly email?: string;
  readonly password?: string;
  readonly passwordStdin?: boolean;
  readonly code?: string;
  readonly token?: string;
}

export function registerLogin(program: Command, io: CliIo = processIo): void {
  program
    .command('login')
    .description('Log in to a Sluice admin API and save the token for the other commands.')
    .requiredOption('--url <url>', 'base URL of the admin API, e.g. https://sluice.example.com')
    .option('--email <email>', 'account email (env SLUICE_ADMIN_EMAIL)')
    .option('--password-stdin', 'read the password from stdin (default: prompt)')
    .option('--password <password>', 'the password (ends up in shell history; prefer --password-stdin)')
    .option('--code <code>', 'the current TOTP code, when the account has a second factor')
    .option('--token <token>', 'save this API token instead of logging in with a password')
    .action((options: LoginOptions) =>
      runCli(
        'login',
        async () => {
          const url = options.url!.replace(/\/+$/, '');
          let token = options.token;
          let email: string | undefined;
          if (token === undefined) {
            email = options.email ?? io.env.SLUICE_ADMIN_EMAIL;
            if (email === undefined) throw new CliError('--email is required (or SLUICE_ADMIN_EMAIL)', 2);
            const password = await passwordFrom(options, `Password for ${email}: `);
            token = (await login(url, email, password, options.code === undefined ? {} : { totp: options.code })).token;
          } else {
            // Check the token before saving it: a typo should fail here, not in the next command.
            await new AdminClient(url, token).call('GET', '/workspaces');
          }
          const file = await saveLogin(io.env, { url, token, email });
          io.out(`Logged in to ${url}${email ? ` as ${email}` : ''}; token saved in ${file}.\n`);
        },
        io,
      ),
    );

  program
    .command('logout')
    .description('End the saved session on the server and forget it.')
    .action(() =>
      runCli(
        'logout',
        async () => {
          const saved = await readSavedLogin(io.env);
          if (saved) await new AdminClient(saved.url, saved.token).call('POST', '/auth/logout').catch(() => undefined);
          await forgetLogin(io.env);
          io.out('Logged out.\n');
        },
        io,
      ),
    );
}
