import { z } from 'zod';
import { spkiPinSchema } from './identifiers';
import { pushToTalkKeySchema, pushToTalkModeSchema } from './pushToTalk';

/**
 * The machine-wide policy an organization's admin deploys (docs/admin.md, "Managed policy"): main reads it at start,
 * from a file users cannot write, and every value it sets overrides the user's preference and cannot be changed
 * over IPC. Each key is optional and validated on its own: a bad key is reported and ignored, the good ones apply.
 */

/** Update channels: what `release publish --channel` names and what a feed signs (electron-updater's file prefix). */
export const updateChannelSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be 1-32 lowercase letters, digits or dashes, starting with a letter');
export type UpdateChannel = z.output<typeof updateChannelSchema>;

/** An organization's Ed25519 release public key as `release keygen` prints it: "ed25519:" and 32 bytes base64url. */
export const releasePublicKeySchema = z
  .string()
  .regex(/^ed25519:[A-Za-z0-9_-]{43}$/, 'must be "ed25519:" followed by the 43-character key `release keygen` printed');

/** Every key, its schema, and what it locks; one entry per key so validation and reporting go field by field. */
export const managedPolicyFields = {
  /** The only servers the app may sign in to, by the SHA-256 of their key (the invite's `fp`). */
  allowedServerPins: z.array(spkiPinSchema).min(1).max(64),
  /** false: the app may not host the bundled server on this machine. */
  hostLocalServer: z.boolean(),
  /** true: every call goes through the relay, even in channels that allow direct connections. */
  relayOnlyMedia: z.boolean(),
  inputMode: pushToTalkModeSchema,
  pushToTalkKey: pushToTalkKeySchema,
  echoCancellation: z.boolean(),
  noiseSuppression: z.boolean(),
  autoGainControl: z.boolean(),
  /** false: no file can be attached, downloaded or saved. */
  fileSharing: z.boolean(),
  /** The update channel the app follows (default "stable"). */
  updateChannel: updateChannelSchema,
  /** Channels a feed may name; a feed for any other is refused. Default: only updateChannel. */
  allowedUpdateChannels: z.array(updateChannelSchema).min(1).max(16),
  /** The key that signs the organization's update feeds; without one, the app installs no update from the server. */
  releasePublicKey: releasePublicKeySchema,
} as const;

export type ManagedPolicyKey = keyof typeof managedPolicyFields;
export const MANAGED_POLICY_KEYS = Object.keys(managedPolicyFields) as ManagedPolicyKey[];
export type ManagedPolicy = { readonly [K in ManagedPolicyKey]?: z.output<(typeof managedPolicyFields)[K]> };

export const managedPolicySchema = z.strictObject(
  Object.fromEntries(MANAGED_POLICY_KEYS.map((key) => [key, managedPolicyFields[key].optional()])) as {
    [K in ManagedPolicyKey]: z.ZodOptional<(typeof managedPolicyFields)[K]>;
  },
);

/** One thing wrong with the policy file: a key (or "(file)") and why it was ignored. */
export const policyProblemSchema = z.strictObject({
  key: z.string().max(80),
  message: z.string().max(300),
});
export type PolicyProblem = z.output<typeof policyProblemSchema>;

/**
 * - `none`: no policy file here: nothing is managed;
 * - `applied`: the file was read; `problems` lists the keys it ignored, if any;
 * - `refused`: the file exists but was not used at all (a non-admin could write it, or it is not a JSON object).
 */
export const policyStatusSchema = z.enum(['none', 'applied', 'refused']);

/** What `policy.get` answers and the settings show. */
export const policyViewSchema = z.strictObject({
  status: policyStatusSchema,
  source: z.string().max(400).nullable(),
  values: managedPolicySchema,
  problems: z.array(policyProblemSchema).max(64),
});
export type PolicyView = z.output<typeof policyViewSchema>;

export const MAX_POLICY_FILE_BYTES = 64 * 1024;

/**
 * Validates a parsed policy document field by field: each known key that passes its schema is kept, each one that
 * does not and each unknown key is reported and left out. Never throws; a non-object yields no values and one problem.
 */
export function parseManagedPolicy(document: unknown): { values: ManagedPolicy; problems: PolicyProblem[] } {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { values: {}, problems: [{ key: '(file)', message: 'must be a JSON object of policy keys' }] };
  }
  const values: Record<string, unknown> = {};
  const problems: PolicyProblem[] = [];
  for (const [key, value] of Object.entries(document)) {
    const shown = key.slice(0, 40);
    if (!Object.hasOwn(managedPolicyFields, key)) {
      problems.push({ key: shown, message: 'unknown key, ignored' });
      continue;
    }
    const parsed = managedPolicyFields[key as ManagedPolicyKey].safeParse(value);
    if (parsed.success) values[key] = parsed.data;
    else
      problems.push({
        key: shown,
        message: `ignored: ${(parsed.error.issues[0]?.message ?? 'invalid').slice(0, 200)}`,
      });
  }
  // allowedUpdateChannels without the followed channel would refuse every feed the app asks for: say so, keep both.
  const channel = values['updateChannel'];
  const allowed = values['allowedUpdateChannels'];
  if (typeof channel === 'string' && Array.isArray(allowed) && !allowed.includes(channel)) {
    problems.push({
      key: 'allowedUpdateChannels',
      message: `does not include updateChannel "${channel}", so no update will be accepted`,
    });
  }
  return { values: values as ManagedPolicy, problems: problems.slice(0, 64) };
}

/** The channel the app follows and the channels a feed may name, policy first. */
export function updateChannelsOf(policy: ManagedPolicy): { channel: UpdateChannel; allowed: readonly UpdateChannel[] } {
  const channel = policy.updateChannel ?? 'stable';
  return { channel, allowed: policy.allowedUpdateChannels ?? [channel] };
}

export const MANAGED_BY_POLICY = 'managed_by_policy';
export const managedMessage = (what: string) => `${what} is managed by your organization.`;
