import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname, win32 } from 'node:path';
import {
  MAX_POLICY_FILE_BYTES,
  parseManagedPolicy,
  type ManagedPolicy,
  type PolicyView,
} from '../../shared/managedPolicy';
import { errorMessage } from '../../shared/errorMessage';

/**
 * Where the managed policy lives on each platform (docs/admin.md, "Managed policy"): a JSON file in a machine-wide
 * folder only an administrator can write. macOS keeps it beside the managed-preferences folder rather than as a
 * plist in it, so one parser serves every platform; Windows uses ProgramData rather than the registry, which would
 * need a native module to read.
 */
export function policyFilePath(platform: string, env: Readonly<Record<string, string | undefined>>): string | null {
  switch (platform) {
    case 'linux':
      return '/etc/whoot/policy.json';
    case 'darwin':
      return '/Library/Application Support/whoot/policy.json';
    case 'win32':
      return win32.join(env['ProgramData'] ?? 'C:\\ProgramData', 'whoot', 'policy.json');
    default:
      return null;
  }
}

export interface LoadedPolicy {
  readonly values: ManagedPolicy;
  readonly view: PolicyView;
}

const none = (source: string | null): LoadedPolicy => ({
  values: {},
  view: { status: 'none', source, values: {}, problems: [] },
});

const refused = (source: string, message: string): LoadedPolicy => ({
  values: {},
  view: { status: 'refused', source, values: {}, problems: [{ key: '(file)', message: message.slice(0, 300) }] },
});

/**
 * Why a file (or its folder) could be changed by someone other than an administrator, or null when it cannot. The
 * owner must be `adminUid` (root) and neither group nor others may write; a folder that others could write would let
 * them swap the file for their own.
 */
function writableByNonAdmin(what: string, info: { uid: number; mode: number }, adminUid: number): string | null {
  if (info.uid !== adminUid) return `${what} is owned by uid ${info.uid}, not by an administrator (uid ${adminUid})`;
  if ((info.mode & 0o022) !== 0)
    return `${what} may be written by its group or by others (mode ${(info.mode & 0o777).toString(8)})`;
  return null;
}

/**
 * Reads the policy file. Absent: nothing is managed. On Linux and macOS a file that a non-admin could write (owner
 * not `adminUid`, group- or world-writable, or in such a folder) is refused whole, since a user could then lift the
 * organization's settings; Windows permissions are ACLs that stat cannot show, so there the folder's ACL is the
 * admin's to set (docs/admin.md). Then each key is validated on its own (shared/managedPolicy.ts).
 */
export async function loadPolicyFile(options: {
  readonly path: string | null;
  readonly platform: string;
  /** The administrator's uid: 0; tests inject their own to exercise the owner check with real files. */
  readonly adminUid?: number;
  readonly log?: (message: string) => void;
}): Promise<LoadedPolicy> {
  const { path, platform } = options;
  const log = options.log ?? (() => undefined);
  if (path === null) return none(null);
  const checksOwnership = platform === 'linux' || platform === 'darwin';
  const adminUid = options.adminUid ?? 0;
  let text: string;
  try {
    // O_NOFOLLOW: a symbolic link is refused; its target's folder would need the same checks as this one.
    const handle = await open(path, constants.O_RDONLY | (checksOwnership ? constants.O_NOFOLLOW : 0));
    try {
      const info = await handle.stat();
      if (!info.isFile()) return refused(path, 'is not a regular file');
      if (checksOwnership) {
        const why =
          writableByNonAdmin('the policy file', info, adminUid) ??
          writableByNonAdmin('its folder', await stat(dirname(path)), adminUid);
        if (why !== null) {
          log(`policy: ${path} refused: ${why}`);
          return refused(path, `refused: ${why}`);
        }
      }
      if (info.size > MAX_POLICY_FILE_BYTES) return refused(path, `larger than ${MAX_POLICY_FILE_BYTES} bytes`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return none(path);
    if (code === 'ELOOP') return refused(path, 'is a symbolic link; put the file itself there');
    log(`policy: could not read ${path} (${errorMessage(error, 'error')})`);
    return refused(path, `could not be read (${code ?? 'error'})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return refused(path, 'is not valid JSON');
  }
  const { values, problems } = parseManagedPolicy(document);
  if (problems.some((problem) => problem.key === '(file)')) {
    return { values: {}, view: { status: 'refused', source: path, values: {}, problems } };
  }
  for (const problem of problems) log(`policy: ${path}: ${problem.key}: ${problem.message}`);
  return { values, view: { status: 'applied', source: path, values, problems } };
}
