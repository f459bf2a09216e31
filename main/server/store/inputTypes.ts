/**
 * Inbound webhook inputs and API tokens in the store. Admins manage them through the workspace scope; the
 * unauthenticated input route finds them by the capability alone (the input id in the URL, the key id in a token),
 * like invite redemption finds an invite by its code. Times are Unix milliseconds from the store's clock.
 */

export type InputRequestStatus = 'posted' | 'disabled' | 'token_refused' | 'failed';

export interface InboundInput {
  readonly id: string;
  readonly workspaceId: string;
  readonly channelId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly ephemeral: boolean;
  readonly requireToken: boolean;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewInboundInput {
  readonly channelId: string;
  readonly name: string;
  readonly ephemeral: boolean;
  readonly requireToken: boolean;
  readonly createdBy: string;
}

export interface InboundInputPatch {
  readonly channelId?: string;
  readonly name?: string;
  readonly enabled?: boolean;
  readonly ephemeral?: boolean;
  readonly requireToken?: boolean;
}

export interface InputRequestContent {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface InputRequestRecord {
  readonly id: string;
  readonly inputId: string;
  readonly receivedAt: number;
  readonly status: InputRequestStatus;
  /** Null for requests to an ephemeral input. */
  readonly content: InputRequestContent | null;
}

export interface ScopedInputs {
  /** Undefined when the channel is not one of this workspace's. */
  create(input: NewInboundInput): Promise<InboundInput | undefined>;
  get(inputId: string): Promise<InboundInput | undefined>;
  list(): Promise<InboundInput[]>;
  /** Undefined when there is no such input, or a new channel is not one of this workspace's. */
  update(inputId: string, patch: InboundInputPatch): Promise<InboundInput | undefined>;
  delete(inputId: string): Promise<boolean>;
  /** Newest first. */
  requests(inputId: string, limit: number): Promise<InputRequestRecord[]>;
}

export interface ApiTokenRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export interface ScopedApiTokens {
  /** `id` is chosen by the caller: it is the key id inside the token it just minted. */
  create(input: {
    readonly id: string;
    readonly name: string;
    readonly secretHash: string;
    readonly createdBy: string;
  }): Promise<ApiTokenRecord>;
  get(tokenId: string): Promise<ApiTokenRecord | undefined>;
  list(): Promise<ApiTokenRecord[]>;
  /** True only for the call that revoked it. */
  revoke(tokenId: string): Promise<boolean>;
}

/** The token as the input route checks it: live or not, and its hash. */
export interface PresentedTokenRecord {
  readonly id: string;
  readonly workspaceId: string;
  readonly secretHash: string;
  readonly revokedAt: number | null;
}

export interface InboundLookup {
  input(inputId: string): Promise<InboundInput | undefined>;
  token(tokenId: string): Promise<PresentedTokenRecord | undefined>;
  markTokenUsed(tokenId: string): Promise<void>;
  /** Content is dropped, whatever the caller passes, when the input is ephemeral. */
  recordRequest(input: {
    readonly input: InboundInput;
    readonly status: InputRequestStatus;
    readonly content: InputRequestContent | null;
  }): Promise<void>;
}
