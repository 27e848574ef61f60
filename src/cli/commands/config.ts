/** `carry config check`: the effective config with secrets redacted, or the errors that stop it. */
import { describeSecrets } from '../../config/secrets.js';
import { loadConfig } from '../../config/load.js';
import { loadDotEnv } from '../../config/secrets.js';
import { InputError } from '../../domain/errors.js';
import { parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';

export const CONFIG_HELP = `carry config check — validate and print the effective config (secrets redacted)

  --config FILE    user config file over config/default.json
  --json           print JSON only`;

export async function configCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { config: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } }, 'config');
  if (values.help) {
    io.out(CONFIG_HELP + '\n');
    return EXIT.ok;
  }
  if (positionals[0] !== 'check') throw new InputError(`carry config: found "${positionals[0] ?? ''}"; expected the subcommand check`);
  loadDotEnv();
  const config = loadConfig({ file: values.config });
  const secrets = Object.fromEntries(Object.keys(config.venues).map((v) => [v, describeSecrets(v)]));
  const body = { config, secrets };
  io.out(JSON.stringify(body, null, 2) + '\n');
  if (!values.json) io.err(`config ok${values.config ? ` (${values.config} over defaults)` : ' (defaults)'}\n`);
  return EXIT.ok;
}
