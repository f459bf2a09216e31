import { describe, expect, it } from 'vitest';
import { workspaceSlugSchema } from '../../shared/identifiers';
import { slugFromName } from './slugFromName';

describe('slugFromName', () => {
  it.each([
    ['Design Review!', 'design-review'],
    ['  Ångström Labs  ', 'angstrom-labs'],
    ['Team 42 -- Ops', 'team-42-ops'],
    ['日本', ''],
  ])('makes %s into %s', (name, slug) => {
    expect(slugFromName(name)).toBe(slug);
  });

  it('always gives an address the server accepts, or nothing', () => {
    for (const name of ['x'.repeat(100), `${'a'.repeat(63)}-b`, '-a-', 'A B C', '---']) {
      const slug = slugFromName(name);
      expect(slug === '' || workspaceSlugSchema.safeParse(slug).success).toBe(true);
    }
  });
});
