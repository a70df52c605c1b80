import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../src/ledger/checkpoint.ts';
import { hashLeaf } from '../src/ledger/merkle.ts';
import {
  NoteError,
  computeKeyId,
  generateSignerKey,
  isValidKeyName,
  noteSignatures,
  openNote,
  parseVerifierKey,
  signNote,
  signerFromKey,
  verifierKeyFor,
} from '../src/ledger/note.ts';

// Published vectors: golang.org/x/mod/sumdb/note (note.go package doc, note_test.go).
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const PETER_NOTE = TEXT + '\n' + PETER_SIG;
// c2sp.org/signed-note example.
const FOO_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const FOO_NOTE = 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
// Go checksum database: its published key (cmd/go/internal/modfetch/key.go) and a signed tree head it served.
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const SUMDB_NOTE =
  'go.sum database tree\n65664258\nWVVNVD2qx+fTq31zkj6UAqxT5X6HvGphGM+o8Thnbsg=\n\n— sum.golang.org Az3grligJmgX7KGyGPKybykNTh3VgsbLvUuvOwrM5zLVlulmFp2wdvbxOw74/gcNxURShXEpb7RXcs3+BYflYN+w0gQ=\n';

const reasonOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof NoteError) return e.reason;
    throw e;
  }
  return 'ok';
};

describe('keys (Go sumdb/note vectors)', () => {
  it('derives the published verifier key and key id from the published signer key', () => {
    const s = signerFromKey(PETER_SKEY);
    expect(s.name).toBe('PeterNeumann');
    expect(s.keyId).toBe(0xc74f20a3);
    expect(s.verifierKey).toBe(PETER_VKEY);
    expect(parseVerifierKey(PETER_VKEY)).toEqual({ name: 'PeterNeumann', keyId: 0xc74f20a3, publicKey: s.publicKey });
    expect(computeKeyId('PeterNeumann', s.publicKey)).toBe(0xc74f20a3);
  });

  it('parses other published verifier keys', () => {
    expect(parseVerifierKey(ENOCH_VKEY).keyId).toBe(0xaf0cfe78);
    expect(parseVerifierKey(FOO_VKEY).keyId).toBe(0x530d903a);
    const go = parseVerifierKey(SUMDB_VKEY);
    expect(go.keyId).toBe(0x033de0ae);
    expect(verifierKeyFor(go.name, go.publicKey)).toBe(SUMDB_VKEY);
  });

  it('rejects every substring and every one-byte mangling of a verifier key (as Go does)', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expect(() => parseVerifierKey(PETER_VKEY.slice(i, j)), PETER_VKEY.slice(i, j)).toThrow(Error);
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const bad = PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(() => parseVerifierKey(bad), bad).toThrow(Error);
    }
    // Wrong key length / unknown algorithm, each with a matching key id.
    expect(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==')).toThrow(/32 bytes/);
    expect(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow(/unknown algorithm/);
  });

  it('rejects every substring and every one-byte mangling of a signer key', () => {
    for (let i = 0; i <= PETER_SKEY.length; i++) {
      for (let j = i + 1; j <= PETER_SKEY.length; j++) {
        if (i === 0 && j === PETER_SKEY.length) continue;
        expect(() => signerFromKey(PETER_SKEY.slice(i, j))).toThrow(/malformed signer key/);
      }
    }
    for (let i = 0; i < PETER_SKEY.length; i++) {
      const bad = PETER_SKEY.slice(0, i) + String.fromCharCode(PETER_SKEY.charCodeAt(i) + 1) + PETER_SKEY.slice(i + 1);
      expect(() => signerFromKey(bad), bad).toThrow(/malformed signer key/);
    }
    expect(() => signerFromKey(PETER_VKEY)).toThrow(/PRIVATE\+KEY/);
  });

  it('generates keys that round-trip and sign', () => {
    const skey = generateSignerKey('chainmall.localhost/log');
    expect(skey).toMatch(/^PRIVATE\+KEY\+chainmall\.localhost\/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    const s = signerFromKey(skey);
    expect(s.verifierKey.startsWith(`chainmall.localhost/log+${skey.split('+')[3]}+`)).toBe(true);
    expect(openNote(signNote('hi\n', s), s.verifierKey).body).toBe('hi\n');
    expect(() => generateSignerKey('has space')).toThrow(/invalid key name/);
  });

  it('applies Go key-name rules: non-empty, no Unicode space, no plus', () => {
    for (const good of ['a', 'example.com/log', 'ünïcode', '\u200b', '\ufeff']) expect(isValidKeyName(good), good).toBe(true);
    for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u0085b', 'a\u2028b', 'a\u3000b', '\ud800']) expect(isValidKeyName(bad), bad).toBe(false);
  });
});

describe('signNote / openNote', () => {
  it('reproduces the Go example note byte for byte and opens it', () => {
    expect(signNote(TEXT, signerFromKey(PETER_SKEY))).toBe(PETER_NOTE);
    const n = openNote(PETER_NOTE, PETER_VKEY);
    expect(n.body).toBe(TEXT);
    expect(n.signatures).toEqual([{ name: 'PeterNeumann', keyId: 0xc74f20a3, verified: true }]);
    expect(openNote(new TextEncoder().encode(PETER_NOTE), PETER_VKEY).body).toBe(TEXT);
  });

  it('opens the C2SP example and a real sum.golang.org checkpoint', () => {
    expect(openNote(FOO_NOTE, FOO_VKEY).body).toBe('This is an example message.\n');
    expect(openNote(SUMDB_NOTE, SUMDB_VKEY).body).toBe('go.sum database tree\n65664258\nWVVNVD2qx+fTq31zkj6UAqxT5X6HvGphGM+o8Thnbsg=\n');
    expect(reasonOf(() => openNote(SUMDB_NOTE.replace('65664258', '65664259'), SUMDB_VKEY))).toBe('invalid-signature');
  });

  it('ignores signatures by other keys, verifies each of ours (Go TestOpen)', () => {
    const both = TEXT + '\n' + PETER_SIG + ENOCH_SIG;
    expect(openNote(both, PETER_VKEY).signatures).toEqual([
      { name: 'PeterNeumann', keyId: 0xc74f20a3, verified: true },
      { name: 'EnochRoot', keyId: 0xaf0cfe78, verified: false },
    ]);
    expect(openNote(both, ENOCH_VKEY).signatures.map((s) => s.verified)).toEqual([false, true]);
    // A broken signature by someone else does not matter.
    const brokenEnoch = ENOCH_SIG.slice(0, 60) + 'ABCD' + ENOCH_SIG.slice(60);
    expect(openNote(TEXT + '\n' + PETER_SIG + PETER_SIG + ENOCH_SIG + brokenEnoch, PETER_VKEY).body).toBe(TEXT);
    expect(noteSignatures(TEXT + '\n' + PETER_SIG + ENOCH_SIG).map((s) => [s.name, s.keyId, s.signature.length])).toEqual([
      ['PeterNeumann', 0xc74f20a3, 64],
      ['EnochRoot', 0xaf0cfe78, 64],
    ]);
  });

  it('needs a signature by this exact name and key id', () => {
    expect(reasonOf(() => openNote(TEXT + '\n' + ENOCH_SIG, PETER_VKEY))).toBe('no-signature');
    const renamed = PETER_SIG.replace('PeterNeumann', 'CarmenSandiego');
    expect(reasonOf(() => openNote(TEXT + '\n' + renamed, PETER_VKEY))).toBe('no-signature');
    const otherId = PETER_SIG.replace('x08g', 'xxxx');
    expect(reasonOf(() => openNote(TEXT + '\n' + otherId, PETER_VKEY))).toBe('no-signature');
    expect(() => openNote(TEXT + '\n' + ENOCH_SIG, PETER_VKEY)).toThrow('note has no signature by PeterNeumann+c74f20a3');
  });

  it('rejects an invalid signature by this key, even beside a valid one', () => {
    // Go's vector inserts ABCD into the base64 (after "— PeterNeumann " + 43 chars): wrong length.
    const at = '— PeterNeumann '.length + 43;
    const bad = PETER_SIG.slice(0, at) + 'ABCD' + PETER_SIG.slice(at);
    expect(() => openNote(TEXT + '\n' + bad, PETER_VKEY)).toThrow('signature by PeterNeumann+c74f20a3 is invalid');
    expect(reasonOf(() => openNote(TEXT + '\n' + PETER_SIG + bad, PETER_VKEY))).toBe('invalid-signature');
    expect(reasonOf(() => openNote('If you think cryptography is the answer to your problem!\n' + TEXT.slice(57) + '\n' + PETER_SIG, PETER_VKEY))).toBe(
      'invalid-signature',
    );
  });

  it('rejects malformed notes (Go badMsgs and more)', () => {
    const bytes = (s: string, prefix: number[]) => new Uint8Array([...prefix, ...new TextEncoder().encode(s)]);
    const bad: (string | Uint8Array)[] = [
      TEXT,
      TEXT + '\n',
      TEXT + '\n' + PETER_SIG.slice(0, -1),
      '\x01' + TEXT + '\n' + PETER_SIG,
      bytes(TEXT + '\n' + PETER_SIG, [0xff]),
      TEXT + '\n' + '— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=',
      TEXT + '\n' + PETER_SIG + 'Unexpected line.\n',
      TEXT + '\n' + PETER_SIG.repeat(101),
      TEXT.replace('\n', '\r\n') + '\n' + PETER_SIG,
      TEXT + '\n' + PETER_SIG.replace('— ', '- '),
      TEXT + '\n' + PETER_SIG.replace('=\n', '\n'),
      TEXT + '\n' + '— PeterNeumann AAAA\n',
      TEXT + '\n' + '— PeterNeumann\n',
      TEXT + '\n' + PETER_SIG.replace('\n', ' \n'),
      '',
      '\n\n',
    ];
    for (const b of bad) expect(reasonOf(() => openNote(b, PETER_VKEY)), JSON.stringify(String(b))).toBe('malformed');
    expect(reasonOf(() => openNote(123 as unknown as string, PETER_VKEY))).toBe('malformed');
    // Go's limit is 100 signature lines; 16 cosigners must always fit.
    expect(openNote(TEXT + '\n' + PETER_SIG.repeat(100), PETER_VKEY).body).toBe(TEXT);
  });

  it('throws a plain Error for a malformed verifier key', () => {
    expect(() => openNote(PETER_NOTE, 'nope')).toThrow(/malformed verifier key/);
    expect(() => openNote(PETER_NOTE, 'nope')).not.toThrow(NoteError);
  });

  it('keeps blank lines inside the body and refuses unsignable bodies', () => {
    const s = signerFromKey(PETER_SKEY);
    for (const body of ['\n', 'a\n\nb\n', 'a\n\n', '\u2014 x\n', 'tab-free \u00ff\n']) expect(openNote(signNote(body, s), PETER_VKEY).body).toBe(body);
    for (const body of ['', 'no newline', 'a\tb\n', 'a\r\n', '\ud800\n']) expect(() => signNote(body, s), JSON.stringify(body)).toThrow(/note body/);
    expect(() => signNote('a\n')).toThrow(/at least one signer/);
  });

  it('co-signed notes verify against either key', () => {
    const log = signerFromKey(generateSignerKey('chainmall.localhost/log'));
    const witness = signerFromKey(generateSignerKey('witness.example/w1'));
    const note = signNote('body\n', log, witness);
    expect(openNote(note, log.verifierKey).signatures.map((s) => s.verified)).toEqual([true, false]);
    expect(openNote(note, witness.verifierKey).signatures.map((s) => s.verified)).toEqual([false, true]);
  });
});

describe('openNote fuzzing', () => {
  const ALPHABET = ['\n', ' ', '—', '+', '/', '=', 'A', 'x', '0', '\u00a0', '\x01', 'é', 'P'];
  const mutation = fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom(...ALPHABET));
  const mutate = (s: string, ops: [number, string, string][]): string =>
    ops.reduce((t, [i, op, c]) => {
      const p = i % (t.length + 1);
      if (op === 'insert') return t.slice(0, p) + c + t.slice(p);
      if (op === 'delete') return t.slice(0, p) + t.slice(p + 1);
      return t.slice(0, p) + c + t.slice(p + 1);
    }, s);
  const cosigned = TEXT + '\n' + PETER_SIG + ENOCH_SIG;

  it('only ever throws NoteError, and never accepts a body Peter did not sign', () => {
    fc.assert(
      fc.property(fc.constantFrom(PETER_NOTE, cosigned), fc.array(mutation, { minLength: 1, maxLength: 4 }), (note, ops) => {
        const m = mutate(note, ops);
        try {
          expect(openNote(m, PETER_VKEY).body).toBe(TEXT);
        } catch (e) {
          expect(e).toBeInstanceOf(NoteError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('only ever throws NoteError on arbitrary strings and bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array()), (input) => {
        try {
          openNote(input, PETER_VKEY);
          expect.unreachable('accepted an arbitrary input');
        } catch (e) {
          expect(e).toBeInstanceOf(NoteError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('checkpoint', () => {
  it('formats and parses the Go tlog golden tree (sumdb/tlog note_test.go)', () => {
    const golden = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';
    const rootHash = hashLeaf(new TextEncoder().encode('hello world'));
    expect(formatCheckpoint({ origin: 'go.sum database tree', size: 123456789012, rootHash })).toBe(golden);
    expect(parseCheckpoint(golden)).toEqual({ origin: 'go.sum database tree', size: 123456789012, rootHash, extensions: [] });
    expect(parseCheckpoint(golden + 'JOE\n').extensions).toEqual(['JOE']);
    expect(() => parseCheckpoint('not-' + golden.replace('123456789012', '0xabcdef'))).toThrow(/canonical decimal/);
    expect(() => parseCheckpoint(golden.replace('Bb0=', 'BTOOBIG='))).toThrow(/root hash/);
  });

  it('parses the C2SP tlog-checkpoint example and opens a real sum.golang.org checkpoint', () => {
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const cp = parseCheckpoint(body);
    expect([cp.origin, cp.size, Buffer.from(cp.rootHash).toString('base64')]).toEqual(['example.com/behind-the-sofa', 20852163, 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=']);
    expect(formatCheckpoint(cp)).toBe(body);
    const go = openCheckpoint(SUMDB_NOTE, SUMDB_VKEY, 'go.sum database tree');
    expect([go.origin, go.size, go.signatures.length]).toEqual(['go.sum database tree', 65664258, 1]);
    expect(() => openCheckpoint(SUMDB_NOTE, SUMDB_VKEY, 'sum.golang.org')).toThrow(/origin "go.sum database tree" is not the expected "sum.golang.org"/);
  });

  it('is strict', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    const bad = [
      `o\n01\n${root}\n`,
      `o\n-1\n${root}\n`,
      `o\n+1\n${root}\n`,
      `o\n 1\n${root}\n`,
      `o\n1.0\n${root}\n`,
      `o\n9007199254740992\n${root}\n`,
      `o\n1\n${root.slice(0, -1)}\n`,
      `o\n1\n${root.replace('q2I=', 'q2J=')}\n`,
      `o\n1\n${root.replace('/', '_')}\n`,
      `o\n1\n${Buffer.alloc(31).toString('base64')}\n`,
      `o\n1\n${Buffer.alloc(33).toString('base64')}\n`,
      `\n1\n${root}\n`,
      `o\n1\n${root}\n\n`,
      `o\n1\n${root}`,
      `o\n1\n`,
      '',
    ];
    for (const b of bad) expect(() => parseCheckpoint(b), JSON.stringify(b)).toThrow(/malformed checkpoint/);
    expect(parseCheckpoint(`o\n0\n${root}\n`).size).toBe(0);
    expect(parseCheckpoint(`o\n9007199254740991\n${root}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: new Uint8Array(32) })).toThrow(/origin/);
    expect(() => formatCheckpoint({ origin: 'o', size: -1, rootHash: new Uint8Array(32) })).toThrow(/size/);
    expect(() => formatCheckpoint({ origin: 'o', size: 1.5, rootHash: new Uint8Array(32) })).toThrow(/size/);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: new Uint8Array(31) })).toThrow(/32 bytes/);
  });

  it('round-trips through a signature', () => {
    const s = signerFromKey(generateSignerKey('chainmall.localhost/log'));
    const rootHash = hashLeaf(new Uint8Array([1]));
    const note = signNote(formatCheckpoint({ origin: s.name, size: 7, rootHash }), s);
    const cp = openCheckpoint(note, s.verifierKey, s.name);
    expect([cp.origin, cp.size, Buffer.from(cp.rootHash).equals(rootHash)]).toEqual([s.name, 7, true]);
    expect(() => openCheckpoint(signNote('not a checkpoint\n', s), s.verifierKey)).toThrow(/malformed checkpoint/);
  });
});
