import { useEffect } from 'react';
import { useStore } from 'zustand';
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

/** What the server shows once (a secret, a token, an invite link), until the admin has copied it. */
function RevealedOnce() {
  const { admin } = useStores();
  const revealed = useStore(admin, (state) => state.revealed);
  if (revealed === null) return null;
  return (
    <div className="revealed" role="region" aria-label={revealed.label}>
      <p>{revealed.label}: copy it now, it will not be shown again.</p>
      <code className="revealed-value">{revealed.value}</code>
      <button type="button" className="button" onClick={() => admin.getState().dismissRevealed()}>
        Done
      </button>
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
      <div role="tablist" aria-label="Admin sections" className="admin-tabs">
        {adminTabs.map((id) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            className={tab === id ? 'tab tab-selected' : 'tab'}
            onClick={() => void admin.getState().open(id)}
          >
            {TAB_LABEL[id]}
          </button>
        ))}
      </div>
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
