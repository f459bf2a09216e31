import type { Channel } from '../../shared/rest/endpoints';

/**
 * A speaker for voice channels, a hash for text ones, drawn inline: an emoji would depend on the system having an
 * emoji font (many Linux desktops do not), and the CSP allows no remote font.
 */
export function ChannelIcon({ kind }: { kind: Channel['kind'] }) {
  return (
    <svg className="channel-icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
      {kind === 'voice' ? (
        <path
          fill="currentColor"
          d="M2 6h2.5L8 3v10L4.5 10H2zM10.5 5.2a4 4 0 0 1 0 5.6l-.9-.9a2.7 2.7 0 0 0 0-3.8zM12.3 3.4a6.5 6.5 0 0 1 0 9.2l-.9-.9a5.2 5.2 0 0 0 0-7.4z"
        />
      ) : (
        <path
          fill="currentColor"
          d="M6 1.5h1.4L6.9 5h3l.5-3.5h1.4L11.3 5H14v1.4h-2.9l-.4 3.2H13.5V11h-3l-.5 3.5H8.6L9.1 11h-3l-.5 3.5H4.2L4.7 11H2V9.6h2.9l.4-3.2H2.5V5h3zm1.3 4.9-.4 3.2h3l.4-3.2z"
        />
      )}
    </svg>
  );
}
