import type { VoiceReportedState } from '../../shared/pushToTalk';

/** The tray as data: main/app/tray.ts turns it into Electron's Tray and Menu, tests read it as it is. */
export type TrayAction = 'toggleMute' | 'toggleDeafen' | 'showWindow' | 'quit';

export type TrayMenuItem =
  | { readonly type: 'separator' }
  | { readonly type: 'normal'; readonly action: TrayAction; readonly label: string; readonly enabled: boolean }
  | {
      readonly type: 'checkbox';
      readonly action: TrayAction;
      readonly label: string;
      readonly checked: boolean;
      readonly enabled: boolean;
    }
  | { readonly type: 'status'; readonly label: string };

export type TrayIconState = 'idle' | 'inCall' | 'talking' | 'muted';

export interface TrayModel {
  readonly tooltip: string;
  readonly icon: TrayIconState;
  readonly items: readonly TrayMenuItem[];
}

/**
 * Mute and Deafen are checkboxes showing the state the renderer reported, and only enabled in a call: outside one
 * there is nothing to mute, and a tick that means nothing would mislead. `talking` is push-to-talk holding the
 * microphone open, shown in the icon so toggle-to-talk (no key held) still has a visible state.
 */
export function trayMenuModel(call: VoiceReportedState, talking: boolean): TrayModel {
  const inCall = call.inChannel !== null;
  const where = inCall ? `In ${call.inChannel}` : 'Not in a voice channel';
  const flags = [call.muted ? 'muted' : null, call.deafened ? 'deafened' : null, talking && inCall ? 'talking' : null]
    .filter((flag) => flag !== null)
    .join(', ');
  const status = flags === '' ? where : `${where} (${flags})`;
  let icon: TrayIconState = 'idle';
  if (inCall) icon = call.muted || call.deafened ? 'muted' : talking ? 'talking' : 'inCall';
  return {
    tooltip: `whoot: ${status}`,
    icon,
    items: [
      { type: 'status', label: status },
      { type: 'separator' },
      { type: 'checkbox', action: 'toggleMute', label: 'Mute microphone', checked: call.muted, enabled: inCall },
      { type: 'checkbox', action: 'toggleDeafen', label: 'Deafen', checked: call.deafened, enabled: inCall },
      { type: 'separator' },
      { type: 'normal', action: 'showWindow', label: 'Show whoot', enabled: true },
      { type: 'normal', action: 'quit', label: 'Quit whoot', enabled: true },
    ],
  };
}
