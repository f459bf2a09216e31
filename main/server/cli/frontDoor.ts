import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorMessage } from '../../../shared/errorMessage';
import { checkHaproxyConfig, haproxyConfig, parseFrontDoorConfig } from '../cluster/haproxyConfig';
import { CliError, EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from './io';

/**
 * `front-door <file>`: the HAProxy configuration for a cluster's front door (docs/scale-out.md), from a small JSON
 * file naming where clients connect and where the nodes are. The file is validated first, and HAProxy itself
 * checks the result (`haproxy -c`) before a line of it is printed, so what reaches haproxy.cfg has been accepted.
 */
export async function frontDoorCommand(io: CliIo, file: string): Promise<number> {
  const path = resolve(io.cwd, file);
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${file}: ${errorMessage(error)}`, EXIT_USAGE);
  }
  const parsed = parseFrontDoorConfig(input);
  if (!parsed.ok) throw new CliError(`${file}: ${parsed.error.message}`, EXIT_USAGE);
  const text = haproxyConfig(parsed.value);
  const checked = await checkHaproxyConfig(text);
  if (!checked.ok) throw new CliError(`haproxy -c refused the configuration: ${checked.error.message}`, EXIT_FAILED);
  for (const line of text.trimEnd().split('\n')) io.out(line);
  return EXIT_OK;
}
