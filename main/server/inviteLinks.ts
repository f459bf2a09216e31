import { randomBytes } from 'node:crypto';
import { formatInviteLink } from '../../shared/deepLink';
import type { ServerConfig } from './config';
import type { CertificateOptions } from './http/certificate';
import type { Store, Workspace } from './store';

/** Where an invite sends people: the configured public name, a port, and the pin of the server's key. */
export interface InviteTarget {
  readonly host: string;
  readonly port: number;
  readonly spkiPin: string;
}

export interface CreatedInvite {
  readonly link: string;
  readonly workspace: Workspace;
  readonly maxUses: number;
  readonly expiresAt: number;
}

export const DEFAULT_INVITE_TTL_SECONDS = 7 * 86_400;

/**
 * The server's certificate options from its config. The running server and the CLI (which reads the pin without
 * binding the port) must ask for the same names, or each would re-issue the certificate the other just made.
 */
export function serverCertificateOptions(config: ServerConfig): CertificateOptions {
  return {
    dataDir: config.dataDir,
    ...(config.tls ? { configured: config.tls } : {}),
    hostnames: [config.publicHost, ...(config.relay.host ? [config.relay.host] : [])],
  };
}

/**
 * A member invite to a workspace, by slug, created on behalf of its owner; used by the running server and by the
 * headless CLI. The code is 144 random bits; the store keeps only its hash, so the link printed here is the one
 * place it exists.
 */
export async function createWorkspaceInvite(
  store: Store,
  target: InviteTarget,
  slug: string,
  options: {
    readonly maxUses?: number;
    readonly ttlSeconds?: number;
    readonly now: () => number;
    readonly via: string;
  },
): Promise<CreatedInvite> {
  const workspace = await store.workspaces.bySlug(slug);
  if (workspace === undefined) throw new Error(`No workspace with the address ${slug}.`);
  const scope = store.forWorkspace(workspace.id);
  const owner = (await scope.members.list()).find((m) => m.role === 'owner');
  if (owner === undefined) throw new Error(`Workspace ${slug} has no owner.`);
  const code = randomBytes(18).toString('base64url');
  const maxUses = options.maxUses ?? 1;
  const expiresAt = options.now() + (options.ttlSeconds ?? DEFAULT_INVITE_TTL_SECONDS) * 1000;
  await scope.invites.create({ code, createdBy: owner.userId, role: 'member', maxUses, expiresAt });
  await store.audit.append({
    type: 'invite.created',
    workspaceId: workspace.id,
    details: { via: options.via, maxUses, expiresAt },
  });
  return {
    link: formatInviteLink({ host: target.host, port: target.port, spkiPin: target.spkiPin, code }),
    workspace,
    maxUses,
    expiresAt,
  };
}
