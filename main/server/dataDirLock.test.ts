import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, LOCK_FILE_NAME } from './dataDirLock';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'whoot-lock-'));
  file = join(dir, LOCK_FILE_NAME);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lockBy = (pid: number) => writeFileSync(file, JSON.stringify({ pid, purpose: 'server', since: 'earlier' }));

describe('data directory lock', () => {
  it('writes our pid to a private file and removes it on release', async () => {
    const lock = await acquireDataDirLock(join(dir, 'new'), 'server');
    expect(JSON.parse(readFileSync(lock.file, 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'server' });
    if (process.platform !== 'win32') expect(statSync(lock.file).mode & 0o777).toBe(0o600);
    await expect(acquireDataDirLock(join(dir, 'new'), 'rotate-key')).rejects.toThrow(/already in use by this process/);
    await lock.release();
    expect(existsSync(lock.file)).toBe(false);
    await (await acquireDataDirLock(join(dir, 'new'), 'rotate-key')).release();
  });

  it('refuses a lock held by another live process, naming it', async () => {
    lockBy(process.ppid);
    const error = await acquireDataDirLock(dir, 'rotate-key').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as DataDirLockedError).message).toContain(`process ${process.ppid} (server, since earlier)`);
    expect((error as DataDirLockedError).message).toContain(`delete ${file}`);
  });

  it('takes over a lock whose process is gone, or that is unreadable', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    lockBy(gone);
    const lock = await acquireDataDirLock(dir, 'server');
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    writeFileSync(file, 'garbage');
    await (await acquireDataDirLock(dir, 'server')).release();
  });

  it('leaves a lock that another process took over in place on release', async () => {
    const lock = await acquireDataDirLock(dir, 'server');
    lockBy(process.ppid);
    await lock.release();
    expect(existsSync(file)).toBe(true);
  });
});
