import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseWebhookSignatureHeader,
  verifyWebhookSignature,
  webhookSignatureHeader,
  type HmacSha256Hex,
} from './webhookSignature';

const hmac: HmacSha256Hex = (key, message) => createHmac('sha256', key).update(message, 'utf8').digest('hex');
const secret = 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const body = '{"id":"x","type":"channel.deleted","text":"ünïcode"}';

describe('the webhook signature', () => {
  it('is HMAC-SHA256 of "{t}.{body}" keyed by the secret text, in lowercase hex', () => {
    const header = webhookSignatureHeader({ body, timestamp: 1_700_000_000, secrets: [secret], hmac });
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(Buffer.from(`1700000000.${body}`, 'utf8'))
      .digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies with any one of the secrets it was signed with, within the tolerance only', () => {
    const other = 'whsec_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
    const header = webhookSignatureHeader({ body, timestamp: 1000, secrets: [other, secret], hmac });
    const check = (input: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ header, body, secret, now: 1000, hmac, ...input });
    expect(check({})).toEqual({ ok: true, value: { timestamp: 1000 } });
    expect(check({ secret: other }).ok).toBe(true);
    expect(check({ secret: `${secret}x` })).toMatchObject({ ok: false, error: { code: 'bad_signature' } });
    expect(check({ body: `${body} ` })).toMatchObject({ ok: false, error: { code: 'bad_signature' } });
    expect(check({ now: 1301 })).toMatchObject({ ok: false, error: { code: 'timestamp_out_of_tolerance' } });
    expect(check({ now: 699 })).toMatchObject({ ok: false, error: { code: 'timestamp_out_of_tolerance' } });
    expect(check({ now: 1300 }).ok).toBe(true);
  });

  it('parses strictly and never throws on a hostile header', () => {
    const v1 = 'a'.repeat(64);
    expect(parseWebhookSignatureHeader(`t=5,v1=${v1},v0=zz`)).toEqual({
      ok: true,
      value: { timestamp: 5, signatures: [v1] },
    });
    for (const bad of [
      undefined,
      '',
      `v1=${v1}`,
      't=5',
      `t=5,t=6,v1=${v1}`,
      `t=-5,v1=${v1}`,
      `t=5,v1=${'A'.repeat(64)}`,
      `t=5,v1=${v1.slice(1)}`,
      `t=5,,v1=${v1}`,
      `t=5,v1=${v1}`.padEnd(2000, ','),
    ]) {
      expect(parseWebhookSignatureHeader(bad)).toMatchObject({ ok: false, error: { code: 'malformed_signature' } });
    }
  });
});
