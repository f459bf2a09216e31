import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './writeFileAtomic';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'whoot-atomic-'));
  dirs.push(dir);
  return dir;
};

describe('writeFileAtomic', () => {
  it('creates the file with the requested mode in a 0700 folder and leaves no temp file', async () => {
    const dir = join(tempDir(), 'nested');
    await writeFileAtomic(join(dir, 'secret'), 'hello');
    expect(readFileSync(join(dir, 'secret'), 'utf8')).toBe('hello');
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('replaces an existing file whole, with the new mode', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'cert'), 'old', { mode: 0o600 });
    await writeFileAtomic(join(dir, 'cert'), 'new', 0o644);
    expect(readFileSync(join(dir, 'cert'), 'utf8')).toBe('new');
    expect(statSync(join(dir, 'cert')).mode & 0o777).toBe(0o644);
  });

  it('leaves the old file and no temp file when the write fails', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'occupied'));
    writeFileSync(join(dir, 'occupied', 'keys'), 'old');
    // A non-empty directory at the target makes the rename fail after the temp file was written beside it.
    await expect(writeFileAtomic(join(dir, 'occupied'), 'x')).rejects.toThrow();
    expect(readFileSync(join(dir, 'occupied', 'keys'), 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
