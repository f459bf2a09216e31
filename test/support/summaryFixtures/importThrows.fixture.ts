import { it } from 'vitest';

// A file that cannot load: no test in it ever runs, so only the file itself can be counted as failed.
throw new Error('this file fails while loading');

it('never runs', () => undefined);
