import { useStore } from 'zustand';
import type { Result } from '../../shared/result';
import { outranks } from '../../shared/roles';
import { Menu, type MenuAnchor, type MenuEntry } from '../components/Menu';
import { useVoice } from '../screens/workspace/useVoice';
import { useStores } from '../storesContext';
import type { CallMember } from './callMembers';

/**
 * What one can do to another member of the call: their volume for you (0–200 %), and for owners and admins who
 * outrank them, server mute, move and disconnect. Entries the server would refuse are not offered.
 */
export function MemberMenu({
  member,
  channelId,
  anchor,
  onClose,
}: {
  member: CallMember;
  channelId: string;
  anchor: MenuAnchor;
  onClose: () => void;
}) {
  const { voice, channels, workspace, toasts } = useStores();
  const myRole = useStore(workspace, (state) => state.workspaces.find((item) => item.id === state.selectedId)?.role);
  const theirRole = useStore(channels, (state) => state.members[member.userId]?.role);
  const voiceChannels = useStore(channels, (state) => state.channels);
  const volume = useVoice((state) => state.volumes[member.userId] ?? 1);
  const moderates = myRole !== undefined && theirRole !== undefined && outranks(myRole, theirRole);
  const { setServerMute, moveToChannel } = channels.getState();

  async function run(
    action: Promise<Result<unknown>>,
    done: string,
    undo?: { run: () => Promise<Result<unknown>>; done: string },
  ) {
    const result = await action;
    if (!result.ok) {
      toasts.getState().show({ message: result.error.message, tone: 'error' });
      return;
    }
    toasts.getState().show({
      message: done,
      ...(undo === undefined ? {} : { action: { label: 'Undo', run: () => void run(undo.run(), undo.done) } }),
    });
  }

  const entries: MenuEntry[] = [
    {
      kind: 'slider',
      id: 'volume',
      label: `Volume for ${member.name}`,
      value: Math.round(volume * 100),
      min: 0,
      max: 200,
      step: 5,
      format: (value) => `${value}%`,
      onChange: (value) => voice?.setPeerVolume(member.userId, value / 100),
    },
  ];
  if (moderates) {
    const others = voiceChannels.filter((channel) => channel.kind === 'voice' && channel.id !== channelId);
    entries.push(
      { kind: 'separator', id: 'moderation-separator' },
      {
        kind: 'check',
        id: 'server-mute',
        label: 'Server mute',
        checked: member.serverMuted,
        onToggle: () =>
          void (member.serverMuted
            ? run(setServerMute(member.userId, false), `${member.name} can speak again.`)
            : run(setServerMute(member.userId, true), `${member.name} is server-muted.`, {
                run: () => setServerMute(member.userId, false),
                done: `${member.name} can speak again.`,
              })),
      },
      ...(others.length === 0
        ? []
        : [
            {
              kind: 'group' as const,
              id: 'move',
              label: 'Move to',
              entries: others.map((channel) => ({
                kind: 'item' as const,
                id: `move-${channel.id}`,
                label: channel.name,
                onSelect: () =>
                  void run(moveToChannel(member.userId, channel.id), `${member.name} moved to ${channel.name}.`),
              })),
            },
          ]),
      {
        kind: 'item',
        id: 'disconnect',
        label: 'Disconnect',
        tone: 'danger',
        onSelect: () => void run(moveToChannel(member.userId, null), `${member.name} was disconnected from voice.`),
      },
    );
  }
  return <Menu label={`Options for ${member.name}`} entries={entries} anchor={anchor} onClose={onClose} />;
}
