import { ok } from '../../../shared/result';
import type { IpcHandler } from '../registerHandlers';

export interface AppIdentity {
  readonly name: string;
  readonly version: string;
  readonly platform: string;
}

export function appInfoHandler(identity: AppIdentity): IpcHandler<'app.info'> {
  const platform =
    identity.platform === 'linux' || identity.platform === 'darwin' || identity.platform === 'win32'
      ? identity.platform
      : 'other';
  return () => ok({ name: identity.name, version: identity.version, platform });
}
