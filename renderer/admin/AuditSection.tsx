import { useId, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { AUDIT_PAGE } from '../../shared/admin';
import { Icon } from '../components/Icon';
import { useStores } from '../storesContext';
import { AdminTable } from './AdminTable';
import type { AdminState } from './adminStore';
import {
  auditActor,
  auditFilterChoices,
  describeAudit,
  filterAudit,
  type AuditChoice,
  type AuditFilter,
  type AuditNames,
} from './auditFormat';
import { when } from './format';

const REASON = {
  hash_mismatch: 'an entry was changed after it was written',
  chain_broken: 'an entry does not follow the one before it',
  sequence_gap: 'an entry is missing',
} as const;

/** Names for what entries mention, from what the console has read: the audit page's people and the lists. */
function namesFrom(state: Pick<AdminState, 'audit' | 'channels' | 'tokens' | 'webhooks' | 'inputs'>): AuditNames {
  const lookup = <T,>(items: readonly T[], id: (item: T) => string, name: (item: T) => string) => {
    const map = new Map(items.map((item) => [id(item), name(item)]));
    return (key: string) => map.get(key) ?? null;
  };
  return {
    user: lookup(
      state.audit?.people ?? [],
      (person) => person.userId,
      (person) => person.displayName,
    ),
    channel: lookup(
      state.channels,
      (channel) => channel.id,
      (channel) => channel.name,
    ),
    token: lookup(
      state.tokens,
      (token) => token.id,
      (token) => token.name,
    ),
    webhook: lookup(
      state.webhooks,
      (webhook) => webhook.id,
      (webhook) => webhook.url,
    ),
    input: lookup(
      state.inputs,
      (input) => input.id,
      (input) => input.name,
    ),
  };
}

function FilterSelect(props: {
  readonly label: string;
  readonly all: string;
  readonly value: string | null;
  readonly choices: readonly AuditChoice[];
  readonly onChange: (value: string | null) => void;
}) {
  const id = useId();
  return (
    <div className="audit-filter">
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value ?? ''} onChange={(event) => props.onChange(event.target.value || null)}>
        <option value="">{props.all}</option>
        {props.choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * The workspace's newest audit entries as a table a person reads: when (local time), who (by name), what (in words),
 * on what; filtered by person and by action. Above it, whether the server's hash chain verifies end to end.
 */
export function AuditSection() {
  const { admin } = useStores();
  const audit = useStore(admin, (state) => state.audit);
  const channels = useStore(admin, (state) => state.channels);
  const tokens = useStore(admin, (state) => state.tokens);
  const webhooks = useStore(admin, (state) => state.webhooks);
  const inputs = useStore(admin, (state) => state.inputs);
  const [filter, setFilter] = useState<AuditFilter>({ actor: null, type: null });
  const names = useMemo(
    () => namesFrom({ audit, channels, tokens, webhooks, inputs }),
    [audit, channels, tokens, webhooks, inputs],
  );
  const entries = useMemo(() => audit?.entries ?? [], [audit]);
  const choices = useMemo(() => auditFilterChoices(entries, names), [entries, names]);
  const shown = useMemo(() => filterAudit(entries, filter), [entries, filter]);
  if (audit === null) return null;
  const { chain } = audit;
  const filtered = filter.actor !== null || filter.type !== null;

  return (
    <>
      <p role="status" className={chain.ok ? 'chain chain-good' : 'chain chain-bad'}>
        <Icon name={chain.ok ? 'lockCheck' : 'warning'} size={18} />
        <span>
          {chain.ok
            ? `Audit chain verified: all ${chain.entries} entries on this server are as they were written.`
            : `Audit chain broken at entry ${chain.seq}: ${REASON[chain.reason]}. Entries from there on cannot be trusted.`}
        </span>
      </p>
      <div className="audit-filters" role="group" aria-label="Filter the audit log">
        <FilterSelect
          label="Who"
          all="Everyone"
          value={filter.actor}
          choices={choices.actors}
          onChange={(actor) => setFilter((current) => ({ ...current, actor }))}
        />
        <FilterSelect
          label="Action"
          all="All actions"
          value={filter.type}
          choices={choices.actions}
          onChange={(type) => setFilter((current) => ({ ...current, type }))}
        />
        <p className="muted small" aria-live="polite">
          {filtered
            ? `${shown.length} of ${entries.length} entries`
            : entries.length === AUDIT_PAGE
              ? `The ${AUDIT_PAGE} newest entries of this workspace`
              : `${entries.length} entries in this workspace`}
        </p>
      </div>
      <AdminTable
        caption="Audit log"
        rows={shown}
        rowKey={(entry) => entry.seq}
        empty={filtered ? 'No entries match these filters.' : 'Nothing has been recorded yet.'}
        columns={[
          {
            header: 'When',
            cell: (entry) => (
              <time dateTime={new Date(entry.at).toISOString()} className="nowrap">
                {when(entry.at)}
              </time>
            ),
          },
          { header: 'Who', cell: (entry) => auditActor(entry, names) },
          { header: 'What', cell: (entry) => describeAudit(entry, names).action },
          {
            header: 'On what',
            cell: (entry) => describeAudit(entry, names).target || <span className="muted">—</span>,
          },
        ]}
      />
    </>
  );
}
