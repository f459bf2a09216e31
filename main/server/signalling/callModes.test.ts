import { describe, expect, it } from 'vitest';
import { decideCallMode, type CallModeInput } from './callModes';

const base: CallModeInput = {
  policy: 'auto',
  members: 1,
  current: null,
  sfuAvailable: true,
  meshMaxMembers: 6,
  meshReturnMembers: 4,
};
const decide = (input: Partial<CallModeInput>) => decideCallMode({ ...base, ...input });

describe('which mode a room is in', () => {
  it('is a mesh up to the line and an SFU above it', () => {
    expect([1, 2, 6].map((members) => decide({ members }))).toEqual(['mesh', 'mesh', 'mesh']);
    expect([7, 12, 60].map((members) => decide({ members }))).toEqual(['sfu', 'sfu', 'sfu']);
    expect(decide({ members: 7, current: 'mesh' })).toBe('sfu');
  });

  it('goes back to a mesh only at the return line, so a room at the line does not flap', () => {
    expect(decide({ members: 6, current: 'sfu' })).toBe('sfu');
    expect(decide({ members: 5, current: 'sfu' })).toBe('sfu');
    expect(decide({ members: 4, current: 'sfu' })).toBe('mesh');
    expect(decide({ members: 1, current: 'sfu' })).toBe('mesh');
  });

  it('follows a forced mode whatever the size', () => {
    expect(decide({ policy: 'sfu', members: 1 })).toBe('sfu');
    expect(decide({ policy: 'sfu', members: 2, current: 'mesh' })).toBe('sfu');
    expect(decide({ policy: 'mesh', members: 40 })).toBe('mesh');
    expect(decide({ policy: 'mesh', members: 40, current: 'sfu' })).toBe('mesh');
  });

  it('is always a mesh while the media server is down, forced or not', () => {
    expect(decide({ sfuAvailable: false, members: 40 })).toBe('mesh');
    expect(decide({ sfuAvailable: false, policy: 'sfu', current: 'sfu' })).toBe('mesh');
  });
});
