import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicyFile, policyFilePath } from './policyFile';

/** The loader against real files in a temp folder: real stat results, the admin's uid injected as this user's. */
describe('loadPolicyFile', () => {
  let dir: string;
  let path: string;
  const me = process.getuid?.() ?? 0;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-policy-'));
    chmodSync(dir, 0o755);
    path = join(dir, 'policy.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (content: unknown, mode = 0o644) => {
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    chmodSync(path, mode);
  };
  const load = (adminUid = me) => loadPolicyFile({ path, platform: 'linux', adminUid });

  it('names one location per platform', () => {
    expect(policyFilePath('linux', {})).toBe('/etc/whoot/policy.json');
    expect(policyFilePath('darwin', {})).toBe('/Library/Application Support/whoot/policy.json');
    expect(policyFilePath('win32', { ProgramData: 'D:\\Data' })).toBe('D:\\Data\\whoot\\policy.json');
    expect(policyFilePath('freebsd', {})).toBeNull();
  });

  it('manages nothing without a file', async () => {
    const loaded = await load();
    expect(loaded.values).toEqual({});
    expect(loaded.view).toEqual({ status: 'none', source: path, values: {}, problems: [] });
  });

  it('applies the good keys and reports each bad or unknown one, never half-applying a key', async () => {
    write({
      inputMode: 'pushToTalk',
      pushToTalkKey: 'Ctrl+Q', // good
      echoCancellation: 'yes', // bad: not a boolean
      fileSharing: false,
      allowedServerPins: ['not-a-pin'], // bad: the whole key is ignored, not the good part of it
      colour: 'blue', // unknown
    });
    const loaded = await load();
    expect(loaded.view.status).toBe('applied');
    expect(loaded.values).toEqual({ inputMode: 'pushToTalk', pushToTalkKey: 'Ctrl+Q', fileSharing: false });
    expect(loaded.view.problems.map((problem) => problem.key).sort()).toEqual([
      'allowedServerPins',
      'colour',
      'echoCancellation',
    ]);
    expect(loaded.view.problems.find((problem) => problem.key === 'colour')?.message).toMatch(/unknown key/);
  });

  it('refuses a file that is not a JSON object, and one that is not JSON', async () => {
    write([1, 2]);
    expect((await load()).view).toMatchObject({ status: 'refused', values: {} });
    write('{ "inputMode": ');
    const loaded = await load();
    expect(loaded.view.status).toBe('refused');
    expect(loaded.view.problems[0]?.message).toMatch(/not valid JSON/);
  });

  it('refuses a group-writable or world-writable file whole (real mode bits)', async () => {
    for (const mode of [0o664, 0o646]) {
      write({ fileSharing: false }, mode);
      const loaded = await load();
      expect(loaded.values).toEqual({});
      expect(loaded.view.status).toBe('refused');
      expect(loaded.view.problems[0]?.message).toMatch(/written by its group or by others/);
    }
  });

  it('refuses a file in a folder others may write', async () => {
    write({ fileSharing: false });
    chmodSync(dir, 0o777);
    const loaded = await load();
    expect(loaded.values).toEqual({});
    expect(loaded.view.problems[0]?.message).toMatch(/its folder may be written/);
  });

  it('refuses a file not owned by the administrator (owner check against the injected uid)', async () => {
    write({ fileSharing: false });
    const loaded = await load(me + 1);
    expect(loaded.values).toEqual({});
    expect(loaded.view.problems[0]?.message).toMatch(new RegExp(`owned by uid ${me}, not by an administrator`));
  });

  it('refuses a symbolic link', async () => {
    const real = join(dir, 'real.json');
    writeFileSync(real, JSON.stringify({ fileSharing: false }));
    symlinkSync(real, path);
    const loaded = await load();
    expect(loaded.view).toMatchObject({ status: 'refused', values: {} });
    expect(loaded.view.problems[0]?.message).toMatch(/symbolic link/);
  });

  it('does not check ownership where stat cannot show it (Windows ACLs)', async () => {
    write({ fileSharing: false }, 0o666);
    const loaded = await loadPolicyFile({ path, platform: 'win32', adminUid: me + 1 });
    expect(loaded.values).toEqual({ fileSharing: false });
  });

  it('reports an allowedUpdateChannels list that leaves out the followed channel', async () => {
    write({ updateChannel: 'beta', allowedUpdateChannels: ['stable'] });
    const loaded = await load();
    expect(loaded.values).toEqual({ updateChannel: 'beta', allowedUpdateChannels: ['stable'] });
    expect(loaded.view.problems[0]?.message).toMatch(/does not include updateChannel "beta"/);
  });
});
