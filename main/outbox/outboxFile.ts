import { z } from 'zod';
import { errorMessage } from '../../shared/errorMessage';
import { outboxEntriesSchema, type OutboxEntryRecord } from '../../shared/outbox';
import { fail, ok, type Result } from '../../shared/result';
import { readKeptJson } from '../files/readKeptJson';
import { serialQueue } from '../files/serialQueue';
import { writeFileAtomic } from '../files/writeFileAtomic';

/** Accounts one file keeps outboxes for; past it the least recently saved account's queue makes room. */
export const MAX_OUTBOX_ACCOUNTS = 16;
/** A full outbox of full messages is about 1.6 MB; this bounds what a damaged or planted file can make main read. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** An account is its server and user: `host:port/userId`, never anything the page chose. */
export const outboxAccountSchema = z.string().regex(/^[A-Za-z0-9.:[\]-]{1,300}\/[0-9a-f-]{36}$/);

const fileSchema = z.strictObject({
  version: z.literal(1),
  /** Oldest save first, so the first is the one that gives way. */
  accounts: z.array(z.strictObject({ account: outboxAccountSchema, entries: outboxEntriesSchema })),
});
type OutboxFileContent = z.output<typeof fileSchema>;

export interface OutboxFile {
  readonly filePath: string;
  load(account: string): Promise<OutboxEntryRecord[]>;
  /** Replaces the account's queue (an empty one removes the account from the file). */
  save(account: string, entries: readonly OutboxEntryRecord[]): Promise<Result<void>>;
  /** Sign-out: the account's unsent messages leave the disk. */
  forget(account: string): Promise<void>;
}

/**
 * The outbox of each account on this device, in one JSON file in userData (0600, written whole and atomically):
 * what the user sent that the server has not confirmed yet, kept so a quit, crash or restart during an outage loses
 * nothing. It holds message text in the clear, as the window showed it, only until the server has it; sign-out
 * removes the account's entries. A file that is not an outbox is moved aside and an empty one used.
 */
export function createOutboxFile(options: { readonly filePath: string; readonly log?: (line: string) => void }) {
  const { filePath } = options;
  const log = options.log ?? (() => undefined);
  // One read or write at a time, so two quick changes land in the order they were made.
  const serialized = serialQueue();
  const empty = (): OutboxFileContent => ({ version: 1, accounts: [] });

  const read = (): Promise<OutboxFileContent> =>
    readKeptJson({ filePath, schema: fileSchema, maxBytes: MAX_FILE_BYTES, fallback: empty, what: 'outbox', log });

  async function write(content: OutboxFileContent): Promise<Result<void>> {
    try {
      await writeFileAtomic(filePath, `${JSON.stringify(content)}\n`, 0o600);
      return ok(undefined);
    } catch (error) {
      log(`outbox: could not write ${filePath} (${errorMessage(error, 'error')})`);
      return fail('outbox_not_saved', 'Unsent messages could not be saved on this device.');
    }
  }

  const others = (content: OutboxFileContent, account: string) =>
    content.accounts.filter((kept) => kept.account !== account);

  const file: OutboxFile = {
    filePath,
    load: (account) =>
      serialized(async () => [...((await read()).accounts.find((kept) => kept.account === account)?.entries ?? [])]),
    save: (account, entries) =>
      serialized(async () => {
        const parsed = outboxEntriesSchema.safeParse(entries);
        if (!parsed.success || !outboxAccountSchema.safeParse(account).success) {
          return fail('invalid_input', 'That is not an outbox this app can keep.');
        }
        const content = await read();
        const accounts = others(content, account);
        if (parsed.data.length > 0) accounts.push({ account, entries: parsed.data });
        return write({ version: 1, accounts: accounts.slice(-MAX_OUTBOX_ACCOUNTS) });
      }),
    forget: (account) =>
      serialized(async () => {
        const content = await read();
        if (content.accounts.some((kept) => kept.account === account)) {
          await write({ version: 1, accounts: others(content, account) });
        }
      }),
  };
  return file;
}
