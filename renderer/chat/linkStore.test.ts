import { describe, expect, it } from 'vitest';
import { fail, ok } from '../../shared/result';
import { createFakeWhootApi } from '../testing/fakeWhootApi';
import { createLinkStore } from './linkStore';

describe('link store', () => {
  it('passes the visible text to main, shows its question, and sends the exact URL main answered when confirmed', async () => {
    const fake = createFakeWhootApi();
    fake.answer('links.open', async (request) =>
      request.confirmed === true
        ? ok({ opened: true })
        : ok({
            opened: false,
            confirm: { url: 'https://evil.example/login', host: 'evil.example', concerns: ['text_differs'] },
          }),
    );
    const links = createLinkStore(fake.api);
    await links.getState().open('https://evil.example/login', 'https://good.example');
    expect(fake.requests).toEqual([
      { channel: 'links.open', request: { url: 'https://evil.example/login', text: 'https://good.example' } },
    ]);
    expect(links.getState().confirmation).toEqual({
      url: 'https://evil.example/login',
      text: 'https://good.example',
      host: 'evil.example',
      concerns: ['text_differs'],
    });
    await links.getState().confirm();
    expect(fake.requests[1]).toEqual({
      channel: 'links.open',
      request: { url: 'https://evil.example/login', text: 'https://good.example', confirmed: true },
    });
    expect(links.getState()).toMatchObject({ confirmation: null, error: null });
  });

  it('sends nothing more when the reader cancels, and shows a refusal as an error', async () => {
    const fake = createFakeWhootApi();
    fake.answer('links.open', async () =>
      ok({ opened: false, confirm: { url: 'http://example.com/', host: 'example.com', concerns: ['unencrypted'] } }),
    );
    const links = createLinkStore(fake.api);
    await links.getState().open('http://example.com/', 'http://example.com/');
    links.getState().cancel();
    await links.getState().confirm();
    expect(fake.requests).toHaveLength(1);
    expect(links.getState().confirmation).toBeNull();

    fake.answer('links.open', async () => fail('link_refused', 'whoot does not open this kind of link.'));
    await links.getState().open('file:///etc/passwd', 'passwords');
    expect(links.getState().error).toBe('whoot does not open this kind of link.');
  });
});
