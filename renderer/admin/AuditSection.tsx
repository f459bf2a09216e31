import { useStore } from 'zustand';
import { useStores } from '../storesContext';
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
      <table className="admin-table">
        <caption>Audit log</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {audit.entries.map((entry) => (
            <tr key={entry.seq}>
              <td>{entry.seq}</td>
              <td>{when(entry.at)}</td>
              <td>{entry.type}</td>
              <td>
                <code className="audit-details">{JSON.stringify(entry.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
