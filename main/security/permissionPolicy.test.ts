import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, APP_ORIGIN } from './appOrigin';
import {
  isDevicePermissionGranted,
  isPermissionCheckGranted,
  isPermissionRequestGranted,
  type PermissionCheck,
  type PermissionRequest,
} from './permissionPolicy';

const trusted = [APP_ORIGIN];

const microphone: PermissionRequest = {
  permission: 'media',
  topLevelUrl: APP_ENTRY_URL,
  requestingUrl: APP_ENTRY_URL,
  isMainFrame: true,
  mediaTypes: ['audio'],
  securityOrigin: 'app://whoot/',
};

const audioCheck: PermissionCheck = {
  permission: 'media',
  topLevelUrl: APP_ENTRY_URL,
  requestingOrigin: 'app://whoot',
  isMainFrame: true,
  mediaType: 'audio',
  securityOrigin: 'app://whoot/',
};

/** Every permission Electron 45 can ask about except the two the app uses. */
const otherPermissions = [
  'ar',
  'automatic-fullscreen',
  'background-fetch',
  'background-sync',
  'captured-surface-control',
  'clipboard-read',
  'clipboard-sanitized-write',
  'deprecated-sync-clipboard-read',
  'display-capture',
  'fileSystem',
  'fullscreen',
  'geolocation',
  'geolocation-approximate',
  'hand-tracking',
  'hid',
  'idle-detection',
  'keyboardLock',
  'local-fonts',
  'local-network',
  'local-network-access',
  'loopback-network',
  'mediaKeySystem',
  'midi',
  'midiSysex',
  'nfc',
  'notifications',
  'openExternal',
  'payment-handler',
  'periodic-background-sync',
  'persistent-storage',
  'pointerLock',
  'screen-wake-lock',
  'sensors',
  'serial',
  'smart-card',
  'storage-access',
  'system-wake-lock',
  'top-level-storage-access',
  'usb',
  'vr',
  'web-app-installation',
  'web-printing',
  'window-management',
  'unknown',
  '',
  'MEDIA',
];

const hostileUrls = [
  'https://example.com/',
  'app://evil/index.html',
  'file:///etc/passwd',
  'data:text/html,hi',
  'javascript:alert(1)',
  'about:blank',
  'null',
];

describe('isPermissionRequestGranted', () => {
  it('grants the microphone to the app main frame', () => {
    expect(isPermissionRequestGranted(microphone, trusted)).toBe(true);
  });

  it('grants speaker selection to the app main frame', () => {
    const request = {
      ...microphone,
      permission: 'speaker-selection',
      mediaTypes: undefined,
      securityOrigin: undefined,
    };
    expect(isPermissionRequestGranted(request, trusted)).toBe(true);
  });

  it('denies the camera, alone or with the microphone', () => {
    expect(isPermissionRequestGranted({ ...microphone, mediaTypes: ['video'] }, trusted)).toBe(false);
    expect(isPermissionRequestGranted({ ...microphone, mediaTypes: ['audio', 'video'] }, trusted)).toBe(false);
  });

  it('denies a media request that does not say what it wants', () => {
    expect(isPermissionRequestGranted({ ...microphone, mediaTypes: [] }, trusted)).toBe(false);
    expect(isPermissionRequestGranted({ ...microphone, mediaTypes: undefined }, trusted)).toBe(false);
  });

  it.each(otherPermissions)('denies %s even to the app main frame', (permission) => {
    expect(isPermissionRequestGranted({ ...microphone, permission }, trusted)).toBe(false);
  });

  it('denies iframes and subframes, even same-origin ones', () => {
    expect(isPermissionRequestGranted({ ...microphone, isMainFrame: false }, trusted)).toBe(false);
  });

  it.each(hostileUrls)('denies a request from %s', (url) => {
    expect(isPermissionRequestGranted({ ...microphone, requestingUrl: url }, trusted)).toBe(false);
    expect(isPermissionRequestGranted({ ...microphone, topLevelUrl: url }, trusted)).toBe(false);
    expect(isPermissionRequestGranted({ ...microphone, securityOrigin: url }, trusted)).toBe(false);
  });

  it('denies when the frame or page URL is unknown', () => {
    expect(isPermissionRequestGranted({ ...microphone, requestingUrl: undefined }, trusted)).toBe(false);
    expect(isPermissionRequestGranted({ ...microphone, topLevelUrl: null }, trusted)).toBe(false);
  });

  it('trusts the dev server only when it is the trusted origin', () => {
    const dev = { ...microphone, topLevelUrl: 'http://127.0.0.1:5173/', requestingUrl: 'http://127.0.0.1:5173/' };
    const devRequest = { ...dev, securityOrigin: 'http://127.0.0.1:5173/' };
    expect(isPermissionRequestGranted(devRequest, trusted)).toBe(false);
    expect(isPermissionRequestGranted(devRequest, ['http://127.0.0.1:5173'])).toBe(true);
  });
});

describe('isPermissionCheckGranted', () => {
  it('answers yes for audio and speaker selection on the app main frame', () => {
    expect(isPermissionCheckGranted(audioCheck, trusted)).toBe(true);
    expect(
      isPermissionCheckGranted({ ...audioCheck, permission: 'speaker-selection', mediaType: undefined }, trusted),
    ).toBe(true);
  });

  it('answers no for video and unknown media types', () => {
    expect(isPermissionCheckGranted({ ...audioCheck, mediaType: 'video' }, trusted)).toBe(false);
    expect(isPermissionCheckGranted({ ...audioCheck, mediaType: 'unknown' }, trusted)).toBe(false);
    expect(isPermissionCheckGranted({ ...audioCheck, mediaType: undefined }, trusted)).toBe(false);
  });

  it.each(otherPermissions)('answers no for %s', (permission) => {
    expect(isPermissionCheckGranted({ ...audioCheck, permission }, trusted)).toBe(false);
  });

  it('answers no for subframes and embedded frames', () => {
    expect(isPermissionCheckGranted({ ...audioCheck, isMainFrame: false }, trusted)).toBe(false);
    expect(isPermissionCheckGranted({ ...audioCheck, embeddingOrigin: 'app://whoot' }, trusted)).toBe(false);
  });

  it('answers no without a webContents (service workers and the like)', () => {
    expect(isPermissionCheckGranted({ ...audioCheck, topLevelUrl: null }, trusted)).toBe(false);
  });

  it.each(hostileUrls)('answers no for origin %s', (url) => {
    expect(isPermissionCheckGranted({ ...audioCheck, requestingOrigin: url }, trusted)).toBe(false);
    expect(isPermissionCheckGranted({ ...audioCheck, topLevelUrl: url }, trusted)).toBe(false);
    expect(isPermissionCheckGranted({ ...audioCheck, securityOrigin: url }, trusted)).toBe(false);
  });
});

describe('isDevicePermissionGranted', () => {
  it('never grants HID, serial or USB devices', () => {
    expect(isDevicePermissionGranted()).toBe(false);
  });
});
