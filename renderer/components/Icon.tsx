/**
 * The app's icons, drawn inline (24×24, currentColor): an icon font or emoji would depend on what the system has,
 * and the CSP allows no remote font. Icons are decoration; the control that holds one carries the name.
 */
const PATHS = {
  mic: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 1 0-6 0v6a3 3 0 0 0 3 3Zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2Z',
  micOff:
    'M15 10.6V5a3 3 0 0 0-5.9-.8L15 10.6ZM19 11h-2c0 .9-.2 1.7-.6 2.4l1.5 1.5c.7-1.1 1.1-2.5 1.1-3.9ZM3.3 2 2 3.3l7 7V11a3 3 0 0 0 4.4 2.7l1.5 1.5A5 5 0 0 1 7 11H5a7 7 0 0 0 6 6.9V21h2v-3.1c1-.1 2-.5 2.8-1l4.9 4.9 1.3-1.3L3.3 2Z',
  headphones: 'M12 3a9 9 0 0 0-9 9v6a3 3 0 0 0 3 3h2v-8H5v-1a7 7 0 0 1 14 0v1h-3v8h2a3 3 0 0 0 3-3v-6a9 9 0 0 0-9-9Z',
  headphonesOff:
    'M3.3 2 2 3.3l2.4 2.4A8.9 8.9 0 0 0 3 12v6a3 3 0 0 0 3 3h2v-8H5v-1c0-1.1.3-2.2.8-3.1L16 19.1V21h2c.3 0 .6 0 .9-.1l1.8 1.8 1.3-1.3L3.3 2ZM12 3c-1.9 0-3.7.6-5.1 1.6l1.4 1.5A7 7 0 0 1 19 12v1h-3v.2l5 5V12a9 9 0 0 0-9-9Z',
  hangUp:
    'M12 9c-1.6 0-3.2.3-4.6.7v3.1c0 .4-.2.7-.6.9-1 .5-1.9 1.1-2.6 1.8-.2.2-.4.3-.7.3s-.5-.1-.7-.3L.3 13.1a1 1 0 0 1 0-1.4C3.3 8.8 7.5 7 12 7s8.7 1.8 11.7 4.7a1 1 0 0 1 0 1.4l-2.5 2.4c-.2.2-.4.3-.7.3s-.5-.1-.7-.3c-.8-.7-1.7-1.3-2.6-1.8a1 1 0 0 1-.6-.9V9.7C15.2 9.3 13.6 9 12 9Z',
  settings:
    'M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7Zm8 3.5-.1-1.2 2-1.6-2-3.4-2.4.9a7.6 7.6 0 0 0-2-1.2L15 3h-4l-.5 2.5a7.6 7.6 0 0 0-2 1.2l-2.4-.9-2 3.4 2 1.6a7.9 7.9 0 0 0 0 2.4l-2 1.6 2 3.4 2.4-.9a7.6 7.6 0 0 0 2 1.2L11 21h4l.5-2.5a7.6 7.6 0 0 0 2-1.2l2.4.9 2-3.4-2-1.6.1-1.2Z',
  admin:
    'M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3Zm0 5a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5Zm0 7c2 0 4 1 4 2.2V17H8v-.8C8 15 10 14 12 14Z',
  pulse: 'M3 12h4l2-5 4 10 2-5h6v2h-4.7L13 20 9 10l-.7 2H3v-2Z',
  signOut:
    'M10 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h5v-2H5V5h5V3Zm6.6 4.4-1.4 1.4 2.2 2.2H9v2h8.4l-2.2 2.2 1.4 1.4L21.2 12l-4.6-4.6Z',
  more: 'M6 10.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Z',
  members:
    'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8Zm7.5 0a3.5 3.5 0 1 0-1.4-6.7A6 6 0 0 1 16 7a6 6 0 0 1-.9 3.7c.4.2.9.3 1.4.3ZM9 13c-4 0-7 2-7 4.5V20h14v-2.5C16 15 13 13 9 13Zm8.5.1A5.6 5.6 0 0 1 18 15.5V20h4v-2.5c0-2.2-2-4-4.5-4.4Z',
  lock: 'M17 9V7A5 5 0 0 0 7 7v2H5v12h14V9h-2ZM9 7a3 3 0 0 1 6 0v2H9V7Zm3 10a2 2 0 1 1 0-4 2 2 0 0 1 0 4Z',
  lockCheck:
    'M17 9V7A5 5 0 0 0 7 7v2H5v12h14V9h-2ZM9 7a3 3 0 0 1 6 0v2H9V7Zm1.6 11.4L7.5 15.3l1.4-1.4 1.7 1.7 4.5-4.5 1.4 1.4-5.9 5.9Z',
  lockBroken: 'M17 9h2v12H5V9h10V7a3 3 0 0 0-5.8-1L7.3 5.3A5 5 0 0 1 17 7v2Zm-6 3v4h2v-4h-2Zm0 5v2h2v-2h-2Z',
  signal: 'M3 18h3v3H3v-3Zm5-4h3v7H8v-7Zm5-4h3v11h-3V10Zm5-5h3v16h-3V5Z',
  device: 'M3 4h18a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1h-7v2h3v2H7v-2h3v-2H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1Zm1 2v9h16V6H4Z',
  hash: 'M9.5 3h2l-.7 5h4l.7-5h2l-.7 5H21v2h-4.5l-.5 4H20v2h-4.3l-.7 5h-2l.7-5h-4l-.7 5H7l.7-5H3v-2h4.9l.5-4H4V8h4.7l.8-5Zm1 7-.5 4h4l.5-4h-4Z',
  speaker:
    'M3 9h4l5-4v14l-5-4H3V9Zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4ZM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6Z',
  serverMute: 'M12 2 4 5v6c0 5 3.4 9.4 8 11 4.6-1.6 8-6 8-11V5l-8-3Zm-1 5h2v5h-2V7Zm0 7h2v2h-2v-2Z',
  close: 'M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6 6.4 5Z',
  check: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4L9 16.2Z',
  warning: 'M1 21h22L12 2 1 21Zm12-3h-2v-2h2v2Zm0-4h-2v-4h2v4Z',
  plus: 'M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6V5Z',
  chat: 'M6 4h12a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4V6a2 2 0 0 1 2-2Zm1 4v2h10V8H7Zm0 4v2h7v-2H7Z',
  edit: 'M4 17.2V20h2.8l8.3-8.3-2.8-2.8L4 17.2Zm15.7-9.5a1 1 0 0 0 0-1.4l-2-2a1 1 0 0 0-1.4 0l-1.7 1.7 2.8 2.8 2.3-1.1Z',
  trash: 'M9 3h6l1 2h4v2H4V5h4l1-2ZM6 8h12l-1 13H7L6 8Zm4 2v9h1.5v-9H10Zm2.5 0v9H14v-9h-1.5Z',
  download: 'M11 3h2v9.2l3.3-3.3 1.4 1.4L12 16 6.3 10.3l1.4-1.4 3.3 3.3V3ZM4 18h16v2H4v-2Z',
  file: 'M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2Zm7 1.5V9h5.5L13 3.5Z',
  fileText:
    'M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2Zm7 1.5V9h5.5L13 3.5ZM8 12v2h8v-2H8Zm0 4v2h6v-2H8Z',
  fileArchive:
    'M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2Zm2 2v2h2V4H8Zm2 2v2h2V6h-2ZM8 8v2h2V8H8Zm2 2v2h2v-2h-2Zm-2 3v5h4v-5H8Zm1 2h2v2H9v-2Z',
  image:
    'M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm0 14v2h14v-3l-4-4-5 5-2-2-3 2Zm3.5-10a2 2 0 1 0 0 4 2 2 0 0 0 0-4Z',
  attach: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm1 5v4h4v2h-4v4h-2v-4H7v-2h4V7h2Z',
  send: 'M3 20.5 21 12 3 3.5v6.6L15 12 3 13.9v6.6Z',
  copy: 'M8 3h10a2 2 0 0 1 2 2v12h-2V5H8V3Zm-3 4h10a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V9a2 2 0 0 1 2-2Zm0 2v11h10V9H5Z',
  arrowDown: 'M11 4h2v12.2l5.3-5.3 1.4 1.4L12 20l-7.7-7.7 1.4-1.4 5.3 5.3V4Z',
  retry: 'M17.7 6.3A8 8 0 1 0 20 12h-2a6 6 0 1 1-1.8-4.2L13 11h7V4l-2.3 2.3Z',
  clock: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20Zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16Zm-1 3v6l5 3 1-1.7-4-2.3V7h-2Z',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 20, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className === undefined ? 'icon' : `icon ${className}`}
      viewBox="0 0 24 24"
      width={size}
      height={size}
      aria-hidden="true"
      focusable="false"
    >
      <path fill="currentColor" d={PATHS[name]} />
    </svg>
  );
}
