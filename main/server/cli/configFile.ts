import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadServerConfigFile, type ServerConfig } from '../config';
import { CliError, EXIT_USAGE, PROGRAM } from './io';
import { errorMessage } from '../../../shared/errorMessage';

export const DEFAULT_CONFIG_FILE = 'whoot.server.json';

/** A working whoot.server.json for a small team (docs/server.md explains every key); a test parses it. */
export const EXAMPLE_CONFIG = {
  dataDir: './whoot-data',
  listen: { host: '0.0.0.0', port: 8443 },
  publicHost: 'voice.example.com',
  publicPort: 8443,
  relay: { clusterId: 'local', udpPort: 3478, tcpPort: 3478, credentialTtlSeconds: 600 },
  sessions: { idleMinutes: 30, absoluteDays: 30 },
  allowedOrigins: ['app://whoot'],
  heartbeatSeconds: 30,
};

/** One key per line, nested objects inline: short enough to read in an error message. */
export function exampleConfigText(): string {
  const lines = Object.entries(EXAMPLE_CONFIG).map(([key, value]) => `  ${JSON.stringify(key)}: ${inline(value)}`);
  return `{\n${lines.join(',\n')}\n}`;
}

function inline(value: unknown): string {
  return JSON.stringify(value)
    .replace(/([,:])(?=["[{0-9a-z])/g, '$1 ')
    .replace(/^\{/, '{ ')
    .replace(/\}$/, ' }');
}

/**
 * The config named by --config (relative to the working directory), else ./whoot.server.json. Every problem is a
 * usage error (exit 2) that names the file and the key at fault; a missing file also shows an example to start from.
 */
export function loadCliConfig(configOption: string | undefined, cwd: string): { file: string; config: ServerConfig } {
  const file = resolve(cwd, configOption ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) {
    const what =
      configOption === undefined
        ? `No --config given and there is no ${DEFAULT_CONFIG_FILE} in ${cwd}.`
        : `The config file ${file} does not exist.`;
    throw new CliError(
      `${what}\nCreate one (relative paths are taken from the file's folder), for example:\n\n` +
        `${exampleConfigText()}\n\nThen run: ${PROGRAM} --config ${configOption ?? DEFAULT_CONFIG_FILE} serve ` +
        `(docs/server.md explains every key).`,
      EXIT_USAGE,
    );
  }
  try {
    return { file, config: loadServerConfigFile(file) };
  } catch (error) {
    const message = errorMessage(error);
    throw new CliError(`${file}: ${message}`, EXIT_USAGE);
  }
}
