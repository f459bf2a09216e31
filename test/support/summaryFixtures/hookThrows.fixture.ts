import { beforeAll, it } from 'vitest';

beforeAll(() => {
  throw new Error('the set-up fails, as a server that does not answer in time would');
});

it('is never reached', () => undefined);
