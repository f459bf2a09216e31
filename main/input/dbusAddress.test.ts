import { describe, expect, it } from 'vitest';
import { toDbusNextAddress } from './dbusAddress';

describe('toDbusNextAddress', () => {
  it('opens unix paths and abstract sockets with plain Node sockets', () => {
    expect(toDbusNextAddress('unix:path=/run/user/1000/bus')).toBe('unix:socket=/run/user/1000/bus');
    expect(toDbusNextAddress('unix:abstract=/tmp/dbus-Ab12,guid=0123')).toBe('unix:socket=\u0000/tmp/dbus-Ab12');
  });

  it('unescapes %XX bytes, UTF-8 included', () => {
    expect(toDbusNextAddress('unix:path=/tmp/my%20bus%c3%a9')).toBe('unix:socket=/tmp/my busé');
  });

  it('keeps tcp and the usable entries of a list, in order', () => {
    expect(toDbusNextAddress('launchd:env=X;tcp:host=127.0.0.1,port=4000;unix:path=/b')).toBe(
      'tcp:host=127.0.0.1,port=4000;unix:socket=/b',
    );
  });

  it('refuses what it cannot carry rather than open the wrong place', () => {
    expect(toDbusNextAddress('')).toBeNull();
    expect(toDbusNextAddress('unix:path=/tmp/a%2cb')).toBeNull();
    expect(toDbusNextAddress('unix:path=/tmp/%zz')).toBeNull();
    expect(toDbusNextAddress('tcp:host=localhost')).toBeNull();
    expect(toDbusNextAddress('nonsense')).toBeNull();
  });
});
