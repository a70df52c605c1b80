// Pure rules of live shopping, without a database.
import { describe, expect, it } from 'vitest';
import { ChatRateLimit, streamOriginsCsp, decodeCursor, encodeCursor, parseChatText, parseLivePrice, parseQuota, parseStreamUrl, remaining, retryAfterSeconds, transition } from '../src/live/rules.ts';
import { LiveHub } from '../src/live/hub.ts';
import { authorOf } from '../src/live/service.ts';

describe('live rules', () => {
  it('accepts https HLS playlists, http only on loopback, and refuses the rest', () => {
    expect(parseStreamUrl('https://cdn.example.com/a/b/index.m3u8?token=x')).toBe('https://cdn.example.com/a/b/index.m3u8?token=x');
    expect(parseStreamUrl('http://localhost:8080/live.m3u8')).toBe('http://localhost:8080/live.m3u8');
    expect(parseStreamUrl('http://127.0.0.1/live.M3U8')).toBe('http://127.0.0.1/live.M3U8');
    for (const bad of ['http://cdn.example.com/a.m3u8', 'https://cdn.example.com/a.mp4', 'https://cdn.example.com/a.m3u8#x', 'javascript:alert(1)//.m3u8', 'https://a:b@cdn.example.com/a.m3u8', '', 'x'.repeat(3000), 42, 'http://localhost.evil.com/a.m3u8']) {
      expect(() => parseStreamUrl(bad), String(bad)).toThrow(/streamUrl/);
    }
  });

  it('session states: scheduled → live → ended, nothing else', () => {
    expect(transition('scheduled', 'start')).toBe('live');
    expect(transition('live', 'end')).toBe('ended');
    expect(() => transition('live', 'start')).toThrow(/cannot start/);
    expect(() => transition('scheduled', 'end')).toThrow(/cannot end/);
    expect(() => transition('ended', 'start')).toThrow();
    expect(() => transition('ended', 'end')).toThrow();
  });

  it('chat text is trimmed, bounded, single-line', () => {
    expect(parseChatText('  hello  ')).toBe('hello');
    expect(parseChatText('茶'.repeat(500))).toHaveLength(500);
    expect(() => parseChatText('茶'.repeat(501))).toThrow();
    expect(() => parseChatText('a\nb')).toThrow();
    expect(() => parseChatText('a\u0007')).toThrow();
    expect(() => parseChatText('   ')).toThrow();
  });

  it('rate limit: one message per interval per key; Retry-After in whole seconds', () => {
    const l = new ChatRateLimit(1000);
    expect(l.take('u1', 10_000)).toBe(0);
    expect(l.take('u1', 10_400)).toBe(600);
    expect(l.take('u2', 10_400)).toBe(0);
    expect(l.take('u1', 11_000)).toBe(0);
    l.release('u1', 11_000);
    expect(l.take('u1', 11_001)).toBe(0);
    expect(retryAfterSeconds(600)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
    const small = new ChatRateLimit(1000, 3);
    for (let i = 0; i < 10; i++) small.take(`k${i}`, i * 2000);
    expect(small.size).toBeLessThanOrEqual(3);
  });

  it('pins: positive price and quota, remaining never negative', () => {
    expect(parseLivePrice(1)).toBe(1n);
    expect(() => parseLivePrice(0)).toThrow();
    expect(() => parseLivePrice(1.5)).toThrow();
    expect(parseQuota(5)).toBe(5);
    expect(() => parseQuota(0)).toThrow();
    expect(remaining(5, 3)).toBe(2);
    expect(() => remaining(5, 6)).toThrow();
    expect(() => remaining(5, -1)).toThrow();
  });

  it('cursors round-trip and refuse forgeries; authors are per-session pseudonyms', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    expect(decodeCursor(undefined)).toBeNull();
    expect(() => decodeCursor('garbage!')).toThrow();
    expect(authorOf('live_a', 'u1')).toBe(authorOf('live_a', 'u1'));
    expect(authorOf('live_a', 'u1')).not.toBe(authorOf('live_b', 'u1'));
  });

  it('hub: viewer count follows joins and leaves, broadcast to the session only', () => {
    const hub = new LiveHub();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const leaveA = hub.join('s1', (e) => a.push(e));
    const leaveB = hub.join('s1', (e) => b.push(e));
    hub.join('s2', () => {});
    expect(hub.viewers('s1')).toBe(2);
    expect(a).toContainEqual({ type: 'viewers', data: { count: 2 } });
    leaveB();
    leaveB();
    expect(hub.viewers('s1')).toBe(1);
    expect(a).toContainEqual({ type: 'viewers', data: { count: 1 } });
    hub.publish('s2', { type: 'state', data: { state: 'ended' } });
    expect(a).not.toContainEqual({ type: 'state', data: { state: 'ended' } });
    leaveA();
    expect(hub.viewers('s1')).toBe(0);
  });

  it('CSP stream origins: https origins (http on loopback) only, deduplicated', () => {
    expect(streamOriginsCsp(undefined)).toBe('');
    expect(streamOriginsCsp('https://cdn.example.com/path https://cdn.example.com, http://127.0.0.1:8080 http://evil.example.com javascript:x nonsense')).toBe(' https://cdn.example.com http://127.0.0.1:8080');
  });
});
