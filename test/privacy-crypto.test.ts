// The envelope encryption primitives, without a database: what a sealed value is bound to.
import { describe, expect, it } from 'vitest';
import { blindIndex, deriveKey, newKey, open, parseMasterKey, pseudonymOf, seal, unwrapKey, wrapKey } from '../src/privacy/crypto.ts';

describe('sealed personal fields', () => {
  const key = newKey();

  it('round-trips, and is fresh each time (random IV)', () => {
    const a = seal(key, 'Li Lei, +86 138 0000 0000', 'usr_1:profile');
    expect(a).toMatch(/^pii1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(seal(key, 'Li Lei, +86 138 0000 0000', 'usr_1:profile'));
    expect(open(key, a, 'usr_1:profile').toString('utf8')).toBe('Li Lei, +86 138 0000 0000');
  });

  it('refuses another key, another owner or field, and any changed byte', () => {
    const a = seal(key, 'secret', 'usr_1:email');
    expect(() => open(newKey(), a, 'usr_1:email')).toThrow();
    expect(() => open(key, a, 'usr_2:email')).toThrow();
    expect(() => open(key, a, 'usr_1:profile')).toThrow();
    const raw = Buffer.from(a.slice(5), 'base64url');
    for (const i of [0, 12, raw.length - 1]) {
      const t = Buffer.from(raw);
      t[i]! ^= 1;
      expect(() => open(key, `pii1.${t.toString('base64url')}`, 'usr_1:email'), `byte ${i}`).toThrow();
    }
    expect(() => open(key, 'pii1.AAAA', 'usr_1:email')).toThrow();
  });

  it('wraps data keys for their owner only; derives independent keys per use', () => {
    const master = newKey();
    const kek = deriveKey(master, 'kek');
    expect(kek.equals(deriveKey(master, 'email-index'))).toBe(false);
    expect(kek.equals(deriveKey(master, 'kek'))).toBe(true);
    const wrapped = wrapKey(kek, key, 'usr_1');
    expect(unwrapKey(kek, wrapped, 'usr_1').equals(key)).toBe(true);
    expect(() => unwrapKey(kek, wrapped, 'usr_2')).toThrow();
  });

  it('pseudonyms and blind indexes are keyed: stable under one key, unrelated under another', () => {
    const k1 = newKey();
    const k2 = newKey();
    expect(pseudonymOf(k1, 1, 'user:usr_1')).toBe(pseudonymOf(k1, 1, 'user:usr_1'));
    expect(pseudonymOf(k1, 1, 'user:usr_1')).toMatch(/^ps1_[0-9a-f]{32}$/);
    expect(pseudonymOf(k1, 1, 'user:usr_1')).not.toBe(pseudonymOf(k2, 1, 'user:usr_1'));
    expect(blindIndex(k1, 'a@b.cn')).not.toBe(blindIndex(k2, 'a@b.cn'));
  });

  it('master keys are exactly 32 bytes of base64', () => {
    expect(parseMasterKey(Buffer.alloc(32, 1).toString('base64')).length).toBe(32);
    expect(() => parseMasterKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
