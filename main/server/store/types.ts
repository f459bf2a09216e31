import type { ChannelVoiceMode } from '../../../shared/voiceRoomState';
import type { Result } from '../../../shared/result';
import type { JsonObject, JsonValue } from './json';
import type { DataKey } from './keyMaterial';
import type { WrittenBlob } from './plaintextDigest';
import type { ScopedWebhooks, WebhookQueue } from './webhookTypes';
import type { InboundLookup, ScopedApiTokens, ScopedInputs } from './inputTypes';
import type { ReleasesRepository } from './releaseTypes';

/**
 * The store's public shape: plain objects in and out, every method async and atomic on its own. Nothing here
 * names SQL or a driver, so a PostgreSQL implementation can satisfy the same interfaces and run the same tests
 * (ARCHITECTURE.md, "Scale-out path"). All times are Unix epoch milliseconds from the store's clock.
 */

export type Role = 'owner' | 'admin' | 'member';
/** Ownership is handed over, never granted by an invite. */
export type InviteRole = Exclude<Role, 'owner'>;
export type ChannelKind = 'voice' | 'text';

// ---- users ---------------------------------------------------------------------------------------------------

export interface User {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly passwordHash: string;
  /** The first account created on a server owns it. */
  readonly serverOwner: boolean;
  readonly totpEnabled: boolean;
  readonly createdAt: number;
}

export interface NewUser {
  readonly email: string;
  readonly displayName: string;
  readonly passwordHash: string;
}

export interface UsersRepository {
  /**
   * Fails with `email_taken` when the address, compared case-insensitively, has an account. Whether this is the
   * server's first account (and so its owner) is decided by the same statement that inserts it, so two
   * simultaneous sign-ups cannot both become owner.
   */
  create(input: NewUser): Promise<Result<User>>;
  byId(userId: string): Promise<User | undefined>;
  byEmail(email: string): Promise<User | undefined>;
  count(): Promise<number>;
  setPasswordHash(userId: string, passwordHash: string): Promise<boolean>;
  setDisplayName(userId: string, displayName: string): Promise<boolean>;
  /** The seed is sealed with the data key; it is never part of a User object. Ends a pending enrolment. */
  setTotpSeed(userId: string, seed: Uint8Array): Promise<boolean>;
  /**
   * A seed shown to the user but not confirmed yet, sealed like the seed, replacing any earlier one. Kept in the
   * store rather than in the node's memory, so the confirmation may reach any node.
   */
  beginTotpEnrolment(userId: string, seed: Uint8Array, expiresAt: number): Promise<boolean>;
  /** The pending enrolment's seed and expiry (Unix ms), whether or not it has expired; the caller decides. */
  pendingTotpEnrolment(userId: string): Promise<{ seed: Uint8Array; expiresAt: number } | undefined>;
  clearTotpSeed(userId: string): Promise<boolean>;
  totpSeed(userId: string): Promise<Uint8Array | undefined>;
  /** Replaces all of the user's recovery codes. Only hashes are stored; the caller hashes (deterministically). */
  replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void>;
  /** For callers that hash with a salt and must compare each candidate before consuming the one that matched. */
  unusedRecoveryCodeHashes(userId: string): Promise<string[]>;
  /** Marks one code used; true only for the one caller that used it first. */
  consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
  /** The account's last used TOTP step, or null. */
  lastTotpStep(userId: string): Promise<number | null>;
  /** Compare-and-set: records `step` only if it is later than the last one; false if another request got there first. */
  advanceTotpStep(userId: string, step: number): Promise<boolean>;
}

// ---- sessions ------------------------------------------------------------------------------------------------

export type SessionEndReason = 'signed_out' | 'rotated' | 'refresh_reuse' | 'revoked' | 'password_changed';

export interface SessionSummary {
  readonly id: string;
  readonly userId: string;
  /** Every session descended by refresh from one sign-in shares a family; reuse of a spent token ends the family. */
  readonly familyId: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly idleExpiresAt: number;
  readonly absoluteExpiresAt: number;
  /** What the client called itself at sign-in ("whoot desktop on Linux"); null if it said nothing. */
  readonly deviceLabel: string | null;
  /** The client address the server saw at sign-in or at the refresh that made this session. */
  readonly lastAddress: string | null;
}

export interface LiveSession extends SessionSummary {
  /** The HMAC key for signed requests, decrypted. */
  readonly secret: Uint8Array;
}

export interface NewSession {
  readonly id: string;
  readonly userId: string;
  /** Omitted at sign-in: a new family starts. */
  readonly familyId?: string;
  readonly secret: Uint8Array;
  readonly refreshTokenHash: string;
  readonly idleExpiresAt: number;
  readonly absoluteExpiresAt: number;
  readonly deviceLabel?: string | null;
  readonly lastAddress?: string | null;
}

export interface SessionSuccessor {
  readonly id: string;
  readonly secret: Uint8Array;
  readonly refreshTokenHash: string;
  /** Capped at the family's absolute expiry. */
  readonly idleExpiresAt: number;
  /** Where the refresh came from; the device label carries over from the session it replaces. */
  readonly lastAddress?: string | null;
}

export type RefreshOutcome =
  | { readonly ok: true; readonly session: LiveSession; readonly previousSessionId: string }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' }
  | {
      readonly ok: false;
      readonly reason: 'reused';
      readonly userId: string;
      readonly familyId: string;
      readonly revokedSessions: number;
    };

export interface SessionsRepository {
  create(input: NewSession): Promise<LiveSession>;
  /** The session if it exists, is not revoked and has passed neither expiry; undefined otherwise. */
  getLive(sessionId: string): Promise<LiveSession | undefined>;
  /**
   * The user whose session this is, while the session, or the session a refresh rotated it into, is still live;
   * undefined otherwise (ended, or never issued). What the TURN relay asks: an allocation made under one session
   * must survive the routine refresh of its credentials but not a sign-out, and must be the user's the TURN
   * username names.
   */
  liveFamilyOwner(sessionId: string): Promise<string | undefined>;
  /** Records activity and extends the idle expiry (capped at the absolute one); false if the session is not live. */
  touch(sessionId: string, idleExpiresAt: number): Promise<boolean>;
  /**
   * One atomic step: if the presented hash is a live session's current refresh token, that session ends, the
   * successor starts in the same family, and the hash is remembered as spent. A spent hash presented again
   * revokes the whole family and says so (`reused`), so the caller can audit it.
   */
  rotateRefresh(presentedRefreshTokenHash: string, successor: SessionSuccessor): Promise<RefreshOutcome>;
  revoke(sessionId: string, reason?: SessionEndReason): Promise<boolean>;
  revokeFamily(familyId: string, reason?: SessionEndReason): Promise<number>;
  revokeAllForUser(
    userId: string,
    options?: { readonly exceptSessionId?: string; readonly reason?: SessionEndReason },
  ): Promise<number>;
  listActive(userId: string): Promise<SessionSummary[]>;
  /** Deletes sessions that ended before `endedBefore`, and spent tokens of families with no live session. */
  pruneEnded(endedBefore: number): Promise<number>;
  /**
   * The revocation feed after `afterSeq`, oldest first, at most `limit` entries: what a relay run apart polls. Each
   * entry lists every session id of the revoked family, since an allocation keeps the id it was minted under.
   */
  revocationsSince(afterSeq: number, limit: number): Promise<SessionRevocation[]>;
  /** The newest and oldest retained seq (0 when the feed is empty), so a poller can tell it fell behind. */
  revocationBounds(): Promise<{ readonly oldestSeq: number; readonly latestSeq: number }>;
  /** Deletes feed entries older than `before`, always keeping the newest so seq never goes back. */
  pruneRevocations(before: number): Promise<number>;
}

export interface SessionRevocation {
  readonly seq: number;
  readonly sessionId: string;
  readonly familyId: string;
  readonly at: number;
  /** Every session id of the family still in the store (ancestors rotated by refresh included). */
  readonly familySessionIds: readonly string[];
}

// ---- workspaces (not scoped: these name the workspace themselves) -------------------------------------------

export interface Workspace {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface WorkspaceMembership {
  readonly workspace: Workspace;
  readonly role: Role;
  readonly joinedAt: number;
}

export interface WorkspacesRepository {
  /** Creates the workspace and its owner's membership together; fails with `slug_taken` or `unknown_user`. */
  create(input: {
    readonly slug: string;
    readonly name: string;
    readonly ownerUserId: string;
  }): Promise<Result<Workspace>>;
  byId(workspaceId: string): Promise<Workspace | undefined>;
  bySlug(slug: string): Promise<Workspace | undefined>;
  /** The workspaces one user belongs to, with their role: what sign-in returns. */
  listForUser(userId: string): Promise<WorkspaceMembership[]>;
}

// ---- the workspace-scoped layer ------------------------------------------------------------------------------

export interface Channel {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly kind: ChannelKind;
  readonly relayOnly: boolean;
  /** A voice channel's mode: the room's size decides (`auto`), or an owner or admin forced a mesh or the SFU. */
  readonly voiceMode: ChannelVoiceMode;
  readonly createdAt: number;
}

export interface ScopedChannels {
  create(input: {
    readonly name: string;
    readonly kind?: ChannelKind;
    readonly relayOnly?: boolean;
    readonly voiceMode?: ChannelVoiceMode;
  }): Promise<Channel>;
  get(channelId: string): Promise<Channel | undefined>;
  list(): Promise<Channel[]>;
  rename(channelId: string, name: string): Promise<boolean>;
  setRelayOnly(channelId: string, relayOnly: boolean): Promise<boolean>;
  setVoiceMode(channelId: string, voiceMode: ChannelVoiceMode): Promise<boolean>;
  delete(channelId: string): Promise<boolean>;
}

export interface Member {
  readonly workspaceId: string;
  readonly userId: string;
  readonly displayName: string;
  readonly role: Role;
  readonly joinedAt: number;
}

export interface ScopedMembers {
  /** Fails with `already_member` or `unknown_user`. */
  add(userId: string, role: Role): Promise<Result<Member>>;
  get(userId: string): Promise<Member | undefined>;
  list(): Promise<Member[]>;
  setRole(userId: string, role: Role): Promise<boolean>;
  remove(userId: string): Promise<boolean>;
  count(role?: Role): Promise<number>;
}

export interface Invite {
  readonly id: string;
  readonly workspaceId: string;
  readonly createdBy: string;
  readonly role: InviteRole;
  readonly maxUses: number;
  readonly uses: number;
  readonly expiresAt: number;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface NewInvite {
  /** The code people share. Only its SHA-256 is stored, so a copy of the database cannot be used to join. */
  readonly code: string;
  readonly createdBy: string;
  readonly role: InviteRole;
  readonly maxUses: number;
  readonly expiresAt: number;
}

export type InviteFailure = 'unknown' | 'revoked' | 'expired' | 'used_up';

export type InviteConsumption =
  { readonly ok: true; readonly invite: Invite } | { readonly ok: false; readonly reason: InviteFailure };

export interface ScopedInvites {
  create(input: NewInvite): Promise<Invite>;
  get(inviteId: string): Promise<Invite | undefined>;
  list(): Promise<Invite[]>;
  revoke(inviteId: string): Promise<boolean>;
  /** Uses one use of this workspace's invite with this code, atomically; fails when expired, revoked or used up. */
  consume(code: string): Promise<InviteConsumption>;
}

export interface WorkspaceEvent {
  readonly id: string;
  readonly workspaceId: string;
  /** Per workspace, from 1, without gaps, assigned in the transaction that stores the event. */
  readonly seq: number;
  readonly type: string;
  readonly payload: JsonValue;
  readonly createdAt: number;
}

export interface ScopedEvents {
  /** Throws StoreError `unknown_workspace` when the workspace does not exist. */
  append(type: string, payload: JsonValue): Promise<WorkspaceEvent>;
  /** Events with seq > afterSeq, oldest first, at most `limit`. */
  since(afterSeq: number, limit: number): Promise<WorkspaceEvent[]>;
  /**
   * The oldest seq still kept, or latestSeq() + 1 when none is. A client that last saw seq N can resume exactly
   * when N + 1 >= oldestSeq(); otherwise it must resync.
   */
  oldestSeq(): Promise<number>;
  /** The last seq assigned (0 before the first event); pruning never lowers it. */
  latestSeq(): Promise<number>;
}

export interface VoiceMute {
  readonly workspaceId: string;
  readonly userId: string;
  /** Who muted; kept even after that account is gone. */
  readonly mutedBy: string;
  readonly mutedAt: number;
}

/**
 * Server mutes (a moderator's, until a moderator lifts it). Keyed to the user, not the membership: leaving and
 * rejoining does not lift one.
 */
export interface ScopedVoiceMutes {
  /** True when the user was not muted before; an existing mute keeps its author and time. */
  mute(userId: string, mutedBy: string): Promise<boolean>;
  /** True when there was a mute to lift. */
  unmute(userId: string): Promise<boolean>;
  get(userId: string): Promise<VoiceMute | undefined>;
  list(): Promise<VoiceMute[]>;
}

/**
 * Every workspace's server mutes at once: what the relay's in-process enforcement index loads at start, the one
 * reader that needs them across workspaces (it answers per user, for whatever voice room the user is in).
 */
export interface VoiceMutesIndex {
  all(): Promise<VoiceMute[]>;
}

export interface ScopedAudit {
  /** This workspace's audit entries with seq > afterSeq, oldest first. */
  since(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** This workspace's newest `limit` entries, newest first (the admin console's view). */
  newest(limit: number): Promise<AuditEntry[]>;
}

/**
 * Everything that belongs to one workspace. Every query behind it filters by this workspace id, so there is no way
 * to read or change another workspace's channel, member, invite or event through it, whatever id is passed.
 */
export interface WorkspaceScope {
  readonly workspaceId: string;
  readonly channels: ScopedChannels;
  readonly members: ScopedMembers;
  readonly invites: ScopedInvites;
  readonly events: ScopedEvents;
  readonly audit: ScopedAudit;
  readonly webhooks: ScopedWebhooks;
  readonly inputs: ScopedInputs;
  readonly apiTokens: ScopedApiTokens;
  readonly voiceMutes: ScopedVoiceMutes;
  /** Channel timelines and read markers (docs/chat.md). */
  readonly messages: ScopedMessages;
  readonly files: ScopedFiles;
}

export type InviteRedemption =
  | { readonly ok: true; readonly workspace: Workspace; readonly role: Role; readonly joined: boolean }
  | { readonly ok: false; readonly reason: InviteFailure };

/**
 * The one way in without a workspace id: an invite code is itself the capability (its holder learns the
 * workspace from it), so redeeming looks it up by hash. Nothing else is reachable by code alone.
 */
export interface InvitesRepository {
  /**
   * Atomically uses one use and adds the user with the invite's role. A user who is already a member gets
   * `joined: false` with their current role, and the invite keeps its use.
   */
  redeem(code: string, userId: string): Promise<InviteRedemption>;
  /**
   * A new account and its first membership, together or not at all: the invite is checked first (so a bad code
   * fails the same whatever the email), then the account is created (`email_taken` otherwise) and one use taken.
   * What an invite-only server's sign-up does.
   */
  createAccount(
    code: string,
    user: NewUser,
  ): Promise<
    | { readonly ok: true; readonly user: User; readonly workspace: Workspace; readonly role: Role }
    | { readonly ok: false; readonly reason: InviteFailure | 'email_taken' }
  >;
}

export interface EventRetention {
  /** Deletes events older than the retention (default 15 min; less than 10 min is refused). */
  prune(retentionMs?: number): Promise<number>;
}

// ---- audit log -----------------------------------------------------------------------------------------------

export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  readonly type: string;
  readonly actorUserId: string | null;
  readonly workspaceId: string | null;
  readonly details: JsonObject;
  readonly prevHash: string;
  /** SHA-256 over the canonical encoding of every field above (auditChain.ts). */
  readonly hash: string;
}

export interface NewAuditEntry {
  readonly type: string;
  readonly actorUserId?: string;
  readonly workspaceId?: string;
  readonly details?: JsonObject;
}

export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly head: AuditHead }
  | {
      readonly ok: false;
      /** The first entry that does not check out: it, or something before it, was changed or removed. */
      readonly seq: number;
      readonly reason: 'hash_mismatch' | 'chain_broken' | 'sequence_gap';
    };

export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

/** Append-only by construction: there is no method to change or remove an entry. */
export interface AuditLog {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  since(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /**
   * The last entry's seq and hash. Recording it somewhere else (a log shipper, a printout) is what turns the chain
   * into evidence against truncation too: the chain alone cannot tell that trailing entries were removed.
   */
  head(): Promise<AuditHead>;
  verify(): Promise<AuditVerification>;
}

// ---- secrets and keys ----------------------------------------------------------------------------------------

export interface ServerSecrets {
  /** The TURN REST shared secret (32 random bytes), created on first use and sealed at rest. */
  relaySecret(): Promise<Uint8Array>;
}

export interface KeyUsage {
  readonly table: string;
  readonly column: string;
  readonly keyId: string;
  readonly values: number;
}

export interface RotationReport {
  readonly keyId: string;
  readonly columns: readonly { readonly table: string; readonly column: string; readonly reencrypted: number }[];
  readonly reencrypted: number;
  readonly batches: number;
}

export interface DataKeyAdmin {
  currentKeyId(): string;
  /** How many stored values each key id seals, per column: a key may be retired when it has no values left. */
  usage(): Promise<KeyUsage[]>;
  /**
   * Makes `newKey` current (when given) and re-seals every value not yet under the current key, in batches that
   * each commit on their own. Values stay readable throughout: the previous keys remain in the ring.
   */
  rotate(newKey?: DataKey, options?: { readonly batchSize?: number }): Promise<RotationReport>;
}

/** Signed-request nonces (main/server/auth/nonceStore.ts NonceStore over the store): shared by restarts and nodes. */
export interface RequestNonces {
  /** Records the nonce; false if this session already used it (a replay). Times are Unix seconds. */
  remember(sessionId: string, nonce: string, expiresAtSeconds: number, nowSeconds: number): Promise<boolean>;
}

// ---- single sign-on (OpenID Connect; docs/admin.md, "Single sign-on") ---------------------------------------

export interface SsoRoleRuleRecord {
  readonly value: string;
  readonly role: InviteRole;
}

export interface SsoSettingsRecord {
  readonly workspaceId: string;
  readonly providerName: string;
  readonly issuer: string;
  readonly clientId: string;
  /** Sealed at rest; the API never returns it. */
  readonly clientSecret: string;
  readonly allowedDomains: readonly string[];
  readonly roleClaim: string | null;
  readonly roleRules: readonly SsoRoleRuleRecord[];
  readonly requireSso: boolean;
  readonly updatedAt: number;
}

export interface SsoSettingsWrite {
  readonly providerName: string;
  readonly issuer: string;
  readonly clientId: string;
  /** Undefined keeps the stored secret; a first save without one fails with `secret_required`. */
  readonly clientSecret?: string;
  readonly allowedDomains: readonly string[];
  readonly roleClaim: string | null;
  readonly roleRules: readonly SsoRoleRuleRecord[];
  readonly requireSso: boolean;
}

/** One browser trip to the provider, found again by the SHA-256 of its `state`. */
export interface SsoAttempt {
  readonly stateHash: string;
  readonly workspaceId: string;
  readonly nonce: string;
  /** The server's own PKCE verifier towards the provider. */
  readonly codeVerifier: string;
  /** The app's S256 challenge, which the login code is bound to. */
  readonly appChallenge: string;
  readonly loopbackPort: number;
  readonly expiresAt: number;
}

/** A one-time code the app exchanges, with the verifier behind `appChallenge`, for a session. */
export interface SsoLoginCode {
  readonly codeHash: string;
  readonly userId: string;
  readonly workspaceId: string;
  readonly appChallenge: string;
  readonly expiresAt: number;
}

export interface SsoProvisionInput {
  readonly workspaceId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly email: string;
  readonly displayName: string;
  /** What the claims map to; applied to new and existing members alike, never to an owner. */
  readonly role: InviteRole;
  /** For a new account: a hash no password matches (SSO accounts sign in through the provider). */
  readonly passwordHash: string;
}

export type SsoProvisioning =
  | {
      readonly ok: true;
      readonly user: User;
      readonly role: Role;
      readonly accountCreated: boolean;
      readonly joined: boolean;
    }
  /** `account_exists`: the email has an account no identity of this provider is linked to. */
  | { readonly ok: false; readonly reason: 'account_exists' | 'unknown_workspace' };

export interface SsoRepository {
  settings(workspaceId: string): Promise<SsoSettingsRecord | undefined>;
  /** Fails with `secret_required` (first save without a secret) or `unknown_workspace`. */
  saveSettings(workspaceId: string, input: SsoSettingsWrite): Promise<Result<SsoSettingsRecord>>;
  removeSettings(workspaceId: string): Promise<boolean>;
  /** The workspace an invite code leads to (the code is the capability), if the code exists. */
  workspaceOfInvite(code: string): Promise<string | undefined>;
  createAttempt(attempt: SsoAttempt): Promise<void>;
  /** One use: the attempt is gone after this, whatever follows; an expired one reads as absent. */
  takeAttempt(stateHash: string): Promise<SsoAttempt | undefined>;
  /**
   * Finds the account the provider's (issuer, subject) is linked to in this workspace, or creates account,
   * membership and link together (just-in-time membership). All or nothing.
   */
  provision(input: SsoProvisionInput): Promise<SsoProvisioning>;
  createLoginCode(code: SsoLoginCode): Promise<void>;
  /** One use, like takeAttempt. */
  takeLoginCode(codeHash: string): Promise<SsoLoginCode | undefined>;
  /** Deletes attempts and login codes past their expiry. */
  prune(): Promise<number>;
}

export interface Store {
  readonly users: UsersRepository;
  readonly sessions: SessionsRepository;
  readonly workspaces: WorkspacesRepository;
  /** The only door to channels, members, invites and events. */
  forWorkspace(workspaceId: string): WorkspaceScope;
  readonly invites: InvitesRepository;
  readonly events: EventRetention;
  readonly audit: AuditLog;
  readonly secrets: ServerSecrets;
  readonly nonces: RequestNonces;
  /** The outbound webhook queue and fan-out outbox, for the dispatcher (main/server/webhooks). */
  readonly webhookQueue: WebhookQueue;
  /** Inbound inputs and API tokens by capability (input id, token key id), for the unauthenticated input route. */
  readonly inbound: InboundLookup;
  readonly voiceMutes: VoiceMutesIndex;
  /** Single sign-on: settings per workspace, browser trips, provider links, one-time login codes. */
  readonly sso: SsoRepository;
  /** Housekeeping of the blob directory: what no row names, and uploads never attached to a message. */
  readonly files: FileMaintenance;
  readonly dataKeys: DataKeyAdmin;
  /** The organization's signed app releases and their installers (docs/admin.md, "Signed updates"). */
  readonly releases: ReleasesRepository;
  /** Resolves when the database answers a query; rejects when it is closed or cannot be read (readiness probes). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// ---- channel timelines and files (docs/chat.md) ---------------------------------------------------------------

export type MessageAuthorRecord =
  | { readonly kind: 'member'; readonly userId: string }
  | { readonly kind: 'input'; readonly inputId: string; readonly name: string };

export interface StoredFile {
  readonly id: string;
  readonly workspaceId: string;
  readonly channelId: string;
  readonly uploaderId: string;
  /** The message that carries the file; null until one does. */
  readonly messageId: string | null;
  /** Sanitized before it reached the store; sealed at rest. */
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  /** The data key the blob's chunks are sealed under (its header says the same). */
  readonly keyId: string;
  readonly createdAt: number;
}

export interface StoredMessage {
  readonly id: string;
  readonly workspaceId: string;
  readonly channelId: string;
  /** Per channel, from 1, in posting order. */
  readonly position: number;
  readonly author: MessageAuthorRecord;
  readonly replyTo: string | null;
  /** Null once deleted: the row stays as a tombstone so cursors and read markers keep their place. */
  readonly body: string | null;
  readonly mentions: readonly string[];
  readonly attachments: readonly StoredFile[];
  readonly createdAt: number;
  readonly editedAt: number | null;
  readonly deletedAt: number | null;
  /** The author's app's id for the post (a member's, when sent with one): a repeat with it is the same post. */
  readonly nonce: string | null;
}

export interface NewMessage {
  readonly channelId: string;
  readonly author: MessageAuthorRecord;
  readonly body: string;
  readonly replyTo?: string;
  readonly mentions: readonly string[];
  /** Files the author uploaded to this channel and no message carries yet. */
  readonly attachments: readonly string[];
  /** A member's idempotency id: unique per author in the workspace (`duplicate_nonce` when taken). */
  readonly nonce?: string;
}

export type PostFailure = 'unknown_channel' | 'unknown_reply' | 'bad_attachment' | 'duplicate_nonce';

export interface ChannelUnreadRecord {
  readonly channelId: string;
  /** Live messages by others after the reader's marker. */
  readonly unread: number;
  /** Of those, the ones that mention the reader. */
  readonly mentions: number;
  readonly lastReadMessageId: string | null;
}

export interface HistoryRecords {
  /** Oldest first. */
  readonly messages: readonly StoredMessage[];
  readonly hasMore: boolean;
}

export interface ScopedMessages {
  /**
   * Stores the message (body sealed) at the channel's next position and attaches its files, all or nothing. A
   * nonce its author already used stores nothing and fails with `duplicate_nonce` (`byNonce` finds the first).
   */
  post(input: NewMessage): Promise<Result<StoredMessage>>;
  /** The member's message posted with this nonce, tombstones included. */
  byNonce(authorUserId: string, nonce: string): Promise<StoredMessage | undefined>;
  /** The message, tombstones included. */
  get(messageId: string): Promise<StoredMessage | undefined>;
  /** A live message's new body and mentions; undefined when it is missing or deleted. */
  edit(messageId: string, body: string, mentions: readonly string[]): Promise<StoredMessage | undefined>;
  /**
   * Turns a live message into a tombstone: body gone, mentions gone, its files' rows and blobs deleted. Undefined
   * when it is missing or already deleted.
   */
  delete(
    messageId: string,
    deletedBy: string,
  ): Promise<{ readonly message: StoredMessage; readonly removedFiles: readonly StoredFile[] } | undefined>;
  /**
   * Live messages of the channel before the cursor message's position (the newest when `before` is null), at most
   * `limit`. Undefined when the cursor is not a message of this channel.
   */
  page(channelId: string, before: string | null, limit: number): Promise<HistoryRecords | undefined>;
  /** Moves the user's marker forward to the message (never back); undefined when it is not a message of the channel. */
  markRead(userId: string, channelId: string, messageId: string): Promise<ChannelUnreadRecord | undefined>;
  /** Unread and mention counts for every channel of the workspace. */
  unread(userId: string): Promise<ChannelUnreadRecord[]>;
}

export interface NewUpload {
  readonly channelId: string;
  readonly uploaderId: string;
  readonly name: string;
  readonly contentType: string;
}

/**
 * One upload in progress: plaintext streams into `writeFrom`, which encrypts it chunk by chunk into a private
 * part file; `commit` then stores the row and gives the blob its final name in one step, or `abort` removes what
 * was written. Until commit nothing names the part file, and the sweep removes one a crash left behind.
 */
export interface BlobUpload {
  readonly fileId: string;
  /** Writes the blob; resolves with what was written (size and SHA-256 of the plaintext), which the caller checks. */
  writeFrom(plaintext: AsyncIterable<Uint8Array> | NodeJS.ReadableStream): Promise<WrittenBlob>;
  /** Fails with `quota_exceeded` (the workspace would hold more than `quotaBytes`) or `unknown_channel`; aborts then. */
  commit(size: number, quotaBytes: number): Promise<Result<StoredFile>>;
  abort(): Promise<void>;
}

export interface ScopedFiles {
  startUpload(input: NewUpload): BlobUpload;
  get(fileId: string): Promise<StoredFile | undefined>;
  /** The decrypted content as a stream (it errors if the blob does not authenticate), or undefined. */
  open(fileId: string): Promise<{ readonly file: StoredFile; readonly content: NodeJS.ReadableStream } | undefined>;
  /** Deletes the row and the blob. A file a message carries leaves that message's attachments. */
  remove(fileId: string): Promise<StoredFile | undefined>;
  /** Bytes of every file the workspace holds. */
  usedBytes(): Promise<number>;
}

export interface FileMaintenance {
  /**
   * Deletes files no message took within `unattachedMs`, blobs no row names (their channel or workspace was
   * deleted), and part files older than `partialMs` (an upload a crash cut short). Returns how many blobs went.
   */
  sweep(options?: { readonly unattachedMs?: number; readonly partialMs?: number }): Promise<number>;
}
