import { useMemo, type Ref } from 'react';
import { hostAndPort, type ServerAddress } from '../../../shared/identifiers';
import { TextField } from '../../components/TextField';
import { asSentence, describeInvite } from './signInForm';

/**
 * The whoot://join link field of the sign-in, sign-up and join forms. A live preview under it beats a submit-time
 * error, since a link is pasted and so right or wrong all at once: the server it names (`names`), or why it is not
 * an invite. The form's own error (a missing link) shows only while the field is empty.
 */
export function InviteLinkField(props: {
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** What the form does with a good link's server ("Joins the server at 127.0.0.1:8443"). */
  readonly names: (server: string) => string;
  /** Said while the field is empty and nothing is wrong. */
  readonly emptyHint?: string;
  readonly error?: string | undefined;
  readonly inputRef?: Ref<HTMLInputElement>;
}) {
  const preview = useMemo(() => describeInvite(props.value), [props.value]);
  const server = (address: Pick<ServerAddress, 'host' | 'port'>) => props.names(hostAndPort(address));
  const hint =
    preview === null
      ? props.error === undefined
        ? props.emptyHint
        : undefined
      : preview.ok
        ? server(preview.value)
        : asSentence(preview.error.message);
  return (
    <TextField
      label="Invite link"
      inputRef={props.inputRef}
      type="text"
      autoComplete="off"
      spellCheck={false}
      placeholder="whoot://join?host=…"
      value={props.value}
      onChange={(event) => props.onChange(event.target.value)}
      hint={hint}
      hintTone={preview === null ? 'neutral' : preview.ok ? 'good' : 'bad'}
      error={preview === null ? props.error : undefined}
    />
  );
}
