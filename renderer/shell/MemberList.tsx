import { useStore } from 'zustand';
import type { Member } from '../../shared/rest/endpoints';
import { Avatar } from '../components/Avatar';
import { classes } from '../components/Button';
import { useStores } from '../storesContext';

const ROLE: Record<Member['role'], string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

function Group({ title, members }: { title: string; members: readonly Member[] }) {
  if (members.length === 0) return null;
  const id = `members-${title.toLowerCase()}`;
  return (
    <section aria-labelledby={id}>
      <h3 id={id} className="channel-group-title">
        {title} — {members.length}
      </h3>
      <ul className="member-items">
        {members.map((member) => (
          <li key={member.userId} className={classes('member-item', !member.online && 'member-offline')}>
            <Avatar name={member.displayName} id={member.userId} size="md" />
            <span className="member-text">
              <span className="member-name">{member.displayName}</span>
              {member.role !== 'member' && <span className="member-role">{ROLE[member.role]}</span>}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Discord's member list: who is in the workspace, online first. Optional (a toggle in the channel header). */
export function MemberList() {
  const { channels } = useStores();
  const members = useStore(channels, (state) => state.members);
  const all = Object.values(members).sort((a, b) => a.displayName.localeCompare(b.displayName));
  return (
    <aside className="member-list" aria-label="Members">
      <Group title="Online" members={all.filter((member) => member.online)} />
      <Group title="Offline" members={all.filter((member) => !member.online)} />
    </aside>
  );
}
