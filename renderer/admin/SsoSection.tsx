import { useEffect, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { ssoSettingsInputSchema, type SsoSettings } from '../../shared/sso';
import { TextField } from '../components/TextField';
import { useStores } from '../storesContext';

interface Draft {
  providerName: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  domains: string;
  roleClaim: string;
  adminValues: string;
  requireSso: boolean;
}

const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');

function draftOf(settings: SsoSettings | null): Draft {
  return {
    providerName: settings?.providerName ?? '',
    issuer: settings?.issuer ?? '',
    clientId: settings?.clientId ?? '',
    clientSecret: '',
    domains: settings?.allowedDomains.join(', ') ?? '',
    roleClaim: settings?.roleClaim ?? '',
    adminValues:
      settings?.roleRules
        .filter((rule) => rule.role === 'admin')
        .map((rule) => rule.value)
        .join(', ') ?? '',
    requireSso: settings?.requireSso ?? false,
  };
}

/**
 * Single sign-on for the workspace (owners): the OpenID Connect provider, which email domains it admits, which
 * values of a claim make an admin (everyone else joins as a member; nobody becomes owner this way), and whether
 * members and admins must use it. The client secret is write-only: once saved, the field stays empty and says so.
 */
export function SsoSection() {
  const { ssoSettings } = useStores();
  const settings = useStore(ssoSettings, (state) => state.settings);
  useEffect(() => {
    void ssoSettings.getState().load();
  }, [ssoSettings]);
  // A fresh form for each version the server holds, so a save or a removal resets what is typed.
  return <SsoForm key={settings?.updatedAt ?? 'none'} settings={settings} />;
}

function SsoForm({ settings }: { readonly settings: SsoSettings | null }) {
  const { ssoSettings } = useStores();
  const callbackUrl = useStore(ssoSettings, (state) => state.callbackUrl);
  const saving = useStore(ssoSettings, (state) => state.saving);
  const error = useStore(ssoSettings, (state) => state.error);
  const saved = useStore(ssoSettings, (state) => state.saved);
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const [problem, setProblem] = useState<string | null>(null);

  const edit = (field: keyof Draft) => (value: string | boolean) => setDraft((d) => ({ ...d, [field]: value }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const input = {
      providerName: draft.providerName.trim(),
      issuer: draft.issuer.trim(),
      clientId: draft.clientId.trim(),
      ...(draft.clientSecret === '' ? {} : { clientSecret: draft.clientSecret }),
      allowedDomains: list(draft.domains.toLowerCase()),
      roleClaim: draft.roleClaim.trim() === '' ? null : draft.roleClaim.trim(),
      roleRules: list(draft.adminValues).map((value) => ({ value, role: 'admin' as const })),
      requireSso: draft.requireSso,
    };
    const parsed = ssoSettingsInputSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      setProblem(`Check ${String(issue?.path[0] ?? 'the form')}: ${issue?.message ?? 'it is not valid'}.`);
      return;
    }
    setProblem(null);
    // The secret leaves the page's state as soon as it is sent, whether the save works or not.
    setDraft((d) => ({ ...d, clientSecret: '' }));
    await ssoSettings.getState().save(parsed.data);
  }

  return (
    <form className="sso-settings" noValidate onSubmit={(event) => void submit(event)} aria-busy={saving}>
      <p className="muted">
        Members sign in through your organization’s OpenID Connect provider; the app opens it in the system browser.
        Register this redirect URI for whoot at the provider:
      </p>
      <code className="sso-callback">{callbackUrl ?? '…'}</code>
      <div className="sso-grid">
        <TextField
          label="Provider name (on the sign-in button)"
          value={draft.providerName}
          maxLength={64}
          onChange={(e) => edit('providerName')(e.target.value)}
        />
        <TextField
          label="Issuer URL"
          type="url"
          placeholder="https://id.example.com"
          value={draft.issuer}
          onChange={(e) => edit('issuer')(e.target.value)}
        />
        <TextField label="Client ID" value={draft.clientId} onChange={(e) => edit('clientId')(e.target.value)} />
        <TextField
          label="Client secret"
          type="password"
          autoComplete="new-password"
          value={draft.clientSecret}
          placeholder={settings?.clientSecretSet ? 'Saved (leave empty to keep)' : ''}
          hint={
            settings?.clientSecretSet
              ? 'A secret is saved. It is never shown again; type a new one to replace it.'
              : undefined
          }
          onChange={(e) => edit('clientSecret')(e.target.value)}
        />
        <TextField
          label="Allowed email domains"
          placeholder="example.com, example.org"
          value={draft.domains}
          hint="Only verified addresses in these domains can join, exactly (not their subdomains)."
          onChange={(e) => edit('domains')(e.target.value)}
        />
        <TextField
          label="Role claim (optional)"
          placeholder="groups"
          value={draft.roleClaim}
          onChange={(e) => edit('roleClaim')(e.target.value)}
        />
        <TextField
          label="Claim values that make an admin"
          placeholder="whoot-admins"
          value={draft.adminValues}
          hint="Everyone else joins as a member. Nobody becomes an owner through the provider."
          onChange={(e) => edit('adminValues')(e.target.value)}
        />
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={draft.requireSso} onChange={(e) => edit('requireSso')(e.target.checked)} />
        <span>
          Require single sign-on
          <span className="muted small">
            {' '}
            — admins and members can no longer sign in with a password (their sessions end when you turn this on);
            owners keep theirs for when the provider is down.
          </span>
        </span>
      </label>
      <div role="alert" className="alert">
        {problem ?? error?.message}
      </div>
      <div className="sso-actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          Save single sign-on
        </button>
        {settings !== null && (
          <button
            type="button"
            className="button"
            disabled={saving}
            onClick={() => void ssoSettings.getState().remove()}
          >
            Remove single sign-on
          </button>
        )}
      </div>
      <p className="muted small" role="status">
        {saving ? 'Saving…' : (saved ?? '')}
      </p>
    </form>
  );
}
