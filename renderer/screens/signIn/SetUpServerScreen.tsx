import { useMemo, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { hostSetupRequestSchema } from '../../../shared/accountIpc';
import { newPasswordProblem } from '../../../shared/passwordStrength';
import { PasswordField } from '../../account/PasswordField';
import { slugFromName } from '../../account/slugFromName';
import { Button } from '../../components/Button';
import { ScreenHeading } from '../../components/ScreenHeading';
import { TextField } from '../../components/TextField';
import { useStores } from '../../storesContext';
import { asSentence } from './signInForm';

type Field = 'displayName' | 'email' | 'password' | 'workspaceName' | 'workspaceSlug';

/**
 * The first run of a server this app hosts: nobody can sign up to an invite-only server without an invite, so its
 * owner account and first workspace are made here, through main and the server's own process (never the network).
 * From then on people join by invite, like on any server.
 */
export function SetUpServerScreen() {
  const { host } = useStores();
  const status = useStore(host, (state) => state.status);
  const pending = useStore(host, (state) => state.pending);
  const error = useStore(host, (state) => state.error);
  const [fields, setFields] = useState({ displayName: '', email: '', password: '', workspaceName: '' });
  const [slug, setSlug] = useState<string | null>(null);
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const workspaceSlug = slug ?? slugFromName(fields.workspaceName);
  const userInputs = useMemo(() => [fields.displayName, fields.email], [fields.displayName, fields.email]);
  const set = (field: keyof typeof fields) => (value: string) => {
    setFields((was) => ({ ...was, [field]: value }));
    setErrors((was) => ({ ...was, [field]: undefined }));
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const request = { ...fields, email: fields.email.trim(), workspaceSlug };
    const parsed = hostSetupRequestSchema.safeParse(request);
    const found: Partial<Record<Field, string>> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) found[issue.path[0] as Field] ??= asSentence(issue.message);
    }
    const weak = newPasswordProblem(fields.password, userInputs);
    if (weak !== null) found.password ??= weak;
    if (Object.keys(found).length > 0 || !parsed.success) return setErrors(found);
    setErrors({});
    await host.getState().setUp(parsed.data);
    set('password')('');
  }

  return (
    <section className="screen screen-centered" aria-labelledby="set-up-heading">
      <div className="card">
        <ScreenHeading id="set-up-heading">Set up your server</ScreenHeading>
        <p className="muted">
          whoot is hosting a server on this computer
          {status.state === 'needsSetup' ? ` (port ${status.port})` : ''}. Make its owner account and its first
          workspace; then invite your team from the workspace’s Admin.
        </p>
        <form className="form" noValidate onSubmit={(event) => void submit(event)} aria-busy={pending}>
          <TextField
            label="Your name"
            autoComplete="name"
            value={fields.displayName}
            onChange={(event) => set('displayName')(event.target.value)}
            error={errors.displayName}
          />
          <TextField
            label="Email"
            type="email"
            autoComplete="username"
            value={fields.email}
            onChange={(event) => set('email')(event.target.value)}
            error={errors.email}
          />
          <PasswordField
            label="Password"
            value={fields.password}
            userInputs={userInputs}
            onChange={set('password')}
            error={errors.password}
          />
          <TextField
            label="Workspace name"
            value={fields.workspaceName}
            onChange={(event) => set('workspaceName')(event.target.value)}
            error={errors.workspaceName}
          />
          <TextField
            label="Workspace address"
            spellCheck={false}
            value={workspaceSlug}
            onChange={(event) => {
              setSlug(event.target.value);
              setErrors((was) => ({ ...was, workspaceSlug: undefined }));
            }}
            hint="Lowercase letters, digits and hyphens; it appears in invite links."
            error={errors.workspaceSlug}
          />
          <div role="alert" className="alert">
            {error?.message}
          </div>
          <Button type="submit" variant="primary" className="button-wide" disabled={pending}>
            Set up server
          </Button>
        </form>
      </div>
    </section>
  );
}
