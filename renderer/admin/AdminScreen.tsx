import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { Button } from '../components/Button';
import { CopyButton } from '../components/CopyButton';
import { focusIfConnected } from '../components/focusable';
import { Icon } from '../components/Icon';
import { ScreenHeading } from '../components/ScreenHeading';
import { useStores } from '../storesContext';
import { adminTabs, type AdminTab } from './adminStore';
import { AuditSection } from './AuditSection';
import { ChannelsSection } from './ChannelsSection';
import { InputsSection } from './InputsSection';
import { InvitesSection } from './InvitesSection';
import { MembersSection } from './MembersSection';
import { SessionsSection } from './SessionsSection';
import { SsoSection } from './SsoSection';
import { TokensSection } from './TokensSection';
import { WebhooksSection } from './WebhooksSection';
import './admin.css';

const TAB_LABEL: Record<AdminTab, string> = {
  members: 'Members',
  invites: 'Invites',
  channels: 'Channels',
  webhooks: 'Webhooks',
  inputs: 'Inputs',
  tokens: 'API tokens',
  sessions: 'Sessions',
  audit: 'Audit log',
  sso: 'Single sign-on',
};

const SECTION: Record<AdminTab, () => React.JSX.Element | null> = {
  members: MembersSection,
  invites: InvitesSection,
  channels: ChannelsSection,
  webhooks: WebhooksSection,
  inputs: InputsSection,
  tokens: TokensSection,
  sessions: SessionsSection,
  audit: AuditSection,
  sso: SsoSection,
};

/**
 * What the server shows once (a secret, a token, an invite link), until the admin has copied it. Focus moves to its
 * Copy button when it appears, so keyboard and screen-reader users land on it, and back when it is dismissed.
 */
function RevealedOnce() {
  const { admin } = useStores();
  const revealed = useStore(admin, (state) => state.revealed);
  const region = useRef<HTMLDivElement>(null);
  const before = useRef<Element | null>(null);
  const value = revealed?.value ?? null;
  useEffect(() => {
    if (value === null) return;
    before.current = document.activeElement;
    region.current?.querySelector<HTMLButtonElement>('.copy-button')?.focus();
  }, [value]);
  if (revealed === null) return null;
  const done = () => {
    admin.getState().dismissRevealed();
    focusIfConnected(before.current);
  };
  return (
    <div ref={region} className="revealed" role="region" aria-label={revealed.label}>
      <p className="revealed-title">
        <Icon name="warning" size={18} />
        <span>
          <strong>{revealed.label}</strong>: copy it now. It will not be shown again.
        </span>
      </p>
      <div className="secret-line">
        <code className="revealed-value">{revealed.value}</code>
        <CopyButton variant="primary" text={revealed.value} what={revealed.what} />
      </div>
      <div>
        <Button onClick={done}>Done</Button>
      </div>
    </div>
  );
}

/** Tabs as the ARIA pattern has them: one Tab stop, arrow keys (and Home, End) move between them and open one. */
function AdminTabs() {
  const { admin } = useStores();
  const tab = useStore(admin, (state) => state.tab);
  const move = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = adminTabs.indexOf(tab);
    const next =
      event.key === 'ArrowRight'
        ? (index + 1) % adminTabs.length
        : event.key === 'ArrowLeft'
          ? (index - 1 + adminTabs.length) % adminTabs.length
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? adminTabs.length - 1
              : null;
    if (next === null) return;
    event.preventDefault();
    const id = adminTabs[next] ?? tab;
    void admin.getState().open(id);
    event.currentTarget.querySelector<HTMLButtonElement>(`[data-tab="${id}"]`)?.focus();
  };
  return (
    <div role="tablist" aria-label="Admin sections" className="admin-tabs" onKeyDown={move}>
      {adminTabs.map((id) => (
        <button
          key={id}
          type="button"
          role="tab"
          data-tab={id}
          aria-selected={tab === id}
          tabIndex={tab === id ? 0 : -1}
          className={tab === id ? 'tab tab-selected' : 'tab'}
          onClick={() => void admin.getState().open(id)}
        >
          {TAB_LABEL[id]}
        </button>
      ))}
    </div>
  );
}

/** The admin console for owners and admins of the selected workspace; the server checks every action. */
export function AdminScreen() {
  const { admin, workspace } = useStores();
  const tab = useStore(admin, (state) => state.tab);
  const error = useStore(admin, (state) => state.error);
  const loading = useStore(admin, (state) => state.loading);
  const selected = useStore(workspace, (state) => state.workspaces.find((w) => w.id === state.selectedId));
  useEffect(() => {
    void admin.getState().reload();
  }, [admin]);
  const Section = SECTION[tab];

  return (
    <section className="screen admin-screen" aria-labelledby="admin-heading">
      <header className="screen-header">
        <ScreenHeading id="admin-heading">Admin</ScreenHeading>
        <span className="muted">{selected?.name}</span>
      </header>
      <AdminTabs />
      <div role="alert" className="alert">
        {error?.message}
      </div>
      <RevealedOnce />
      <div role="tabpanel" aria-label={TAB_LABEL[tab]} aria-busy={loading}>
        <Section />
      </div>
    </section>
  );
}
