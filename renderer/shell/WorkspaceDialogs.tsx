import { useRef, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { otherServerProblem } from '../../shared/accountIpc';
import { workspaceSlugSchema } from '../../shared/identifiers';
import { workspaceNameSchema } from '../../shared/rest/endpoints';
import { slugFromName } from '../account/slugFromName';
import { Button } from '../components/Button';
import { copyText } from '../components/CopyButton';
import { Dialog } from '../components/Dialog';
import { TextField } from '../components/TextField';
import { asSentence, describeInvite } from '../screens/signIn/signInForm';
import { InviteLinkField } from '../screens/signIn/InviteLinkField';
import { useStores } from '../storesContext';

/**
 * "Join with an invite" while signed in: the workspace joins the rail without signing out. whoot is signed in to one
 * server at a time, so an invite for another server says so and offers to copy the invite and sign out (to paste it
 * into the sign-in screen); it is never half-joined.
 */
export function JoinWorkspaceDialog() {
  const { onboarding } = useStores();
  const joining = useStore(onboarding, (state) => state.joining);
  // Keyed by what opened it, so each opening starts from its own link with no error left over.
  return joining === null ? null : <JoinForm key={joining.link} initialLink={joining.link} />;
}

function JoinForm({ initialLink }: { initialLink: string }) {
  const { onboarding, navigation, session, toasts, invite } = useStores();
  const [link, setLink] = useState(initialLink);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  const preview = describeInvite(link);
  const signedInServer = useStore(session, (state) => (state.session.signedIn ? state.session.server : null));
  // Said before Join is pressed: an invite for another server cannot be joined from here (main refuses it too).
  const elsewhere =
    preview?.ok === true && signedInServer !== null ? otherServerProblem(preview.value, signedInServer) : null;
  const close = () => onboarding.getState().closeDialogs();

  async function join(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    const result = await onboarding.getState().join(link);
    setBusy(false);
    if (!result.ok) {
      setError({ code: result.error.code, message: asSentence(result.error.message) });
      field.current?.focus();
      return;
    }
    const joined = result.value;
    navigation.getState().go('workspace');
    close();
    toasts.getState().show({ message: `You joined ${joined.name}.` });
  }

  const otherServer = error?.code === 'other_server' || (error === null && elsewhere !== null);
  return (
    <Dialog
      open
      size="sm"
      onClose={close}
      initialFocus={field}
      title="Join a workspace"
      description={
        otherServer
          ? 'Paste the whoot://join link someone sent you.'
          : 'Paste the whoot://join link someone sent you. You stay signed in; the workspace joins your list.'
      }
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          {otherServer ? (
            <Button
              variant="primary"
              onClick={() => {
                // Signing out reloads the page (its connection policy changes), so the link goes to the clipboard
                // to be pasted into the sign-in screen, and into the form for the case where no reload happens.
                void copyText(link.trim()).finally(() => {
                  invite.getState().setLink(link.trim());
                  close();
                  void session.getState().signOut();
                });
              }}
            >
              Copy invite and sign out
            </Button>
          ) : (
            <Button variant="primary" type="submit" form="join-workspace-form" busy={busy}>
              Join workspace
            </Button>
          )}
        </>
      }
    >
      <form id="join-workspace-form" className="form" noValidate onSubmit={(event) => void join(event)}>
        <InviteLinkField
          inputRef={field}
          value={link}
          onChange={(value) => {
            setLink(value);
            setError(null);
          }}
          names={(server) => `An invite to the server at ${server}`}
        />
        <div role="alert" className="alert">
          {error?.message ?? elsewhere}
        </div>
      </form>
    </Dialog>
  );
}

/** "Create a workspace", offered by the rail only where the server lets this account create one. */
export function CreateWorkspaceDialog() {
  const { onboarding } = useStores();
  const creating = useStore(onboarding, (state) => state.creating);
  return creating ? <CreateForm /> : null;
}

function CreateForm() {
  const { onboarding, navigation, toasts } = useStores();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState<string | null>(null);
  const [errors, setErrors] = useState<{ name?: string; slug?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  const address = slug ?? slugFromName(name);
  const close = () => onboarding.getState().closeDialogs();

  async function create(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const checkedName = workspaceNameSchema.safeParse(name);
    const checkedSlug = workspaceSlugSchema.safeParse(address);
    const found = {
      ...(checkedName.success ? {} : { name: asSentence(checkedName.error.issues[0]?.message ?? 'Check the name.') }),
      ...(checkedSlug.success
        ? {}
        : { slug: asSentence(checkedSlug.error.issues[0]?.message ?? 'Check the address.') }),
    };
    if (!checkedName.success || !checkedSlug.success) return setErrors(found);
    setBusy(true);
    const result = await onboarding.getState().create(checkedName.data, checkedSlug.data);
    setBusy(false);
    if (!result.ok) {
      return setErrors(
        result.error.code === 'slug_taken' ? { slug: result.error.message } : { form: result.error.message },
      );
    }
    navigation.getState().go('workspace');
    close();
    toasts.getState().show({ message: `${result.value.name} is ready. Invite your team from Admin.` });
  }

  return (
    <Dialog
      open
      size="sm"
      onClose={close}
      title="Create a workspace"
      description="A place for a team: its own channels, members and invites. You will be its owner."
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button variant="primary" type="submit" form="create-workspace-form" busy={busy}>
            Create workspace
          </Button>
        </>
      }
    >
      <form id="create-workspace-form" className="form" noValidate onSubmit={(event) => void create(event)}>
        <TextField
          label="Workspace name"
          maxLength={80}
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setErrors((was) => ({ ...was, name: undefined, form: undefined }));
          }}
          error={errors.name}
        />
        <TextField
          label="Workspace address"
          spellCheck={false}
          maxLength={64}
          value={address}
          onChange={(event) => {
            setSlug(event.target.value);
            setErrors((was) => ({ ...was, slug: undefined, form: undefined }));
          }}
          hint="Lowercase letters, digits and hyphens; it appears in invite links."
          error={errors.slug}
        />
        <div role="alert" className="alert">
          {errors.form}
        </div>
      </form>
    </Dialog>
  );
}
