import { useStore } from 'zustand';
import { useStores } from '../storesContext';
import { AdminTable } from './AdminTable';
import { when } from './format';

const REASON = {
  hash_mismatch: 'an entry was changed',
  chain_broken: 'an entry does not follow the one before it',
  sequence_gap: 'an entry is missing',
} as const;

/** The workspace's newest audit entries, and whether the server's hash chain verifies end to end. */
export function AuditSection() {
  const { admin } = useStores();
  const audit = useStore(admin, (state) => state.audit);
  if (audit === null) return null;
  return (
    <>
      <p role="status" className={audit.chain.ok ? 'chain good' : 'chain bad'}>
        {audit.chain.ok
          ? `Audit chain verified: ${audit.chain.entries} entries, head ${audit.chain.headSeq}.`
          : `Audit chain broken at entry ${audit.chain.seq}: ${REASON[audit.chain.reason]}.`}
      </p>
      <AdminTable
        caption="Audit log"
        rows={audit.entries}
        rowKey={(entry) => entry.seq}
        columns={[
          { header: '#', cell: (entry) => entry.seq },
          { header: 'When', cell: (entry) => when(entry.at) },
          { header: 'What', cell: (entry) => entry.type },
          {
            header: 'Details',
            cell: (entry) => <code className="audit-details">{JSON.stringify(entry.details)}</code>,
          },
        ]}
      />
    </>
  );
}
