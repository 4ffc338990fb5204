#!/usr/bin/env python3
"""Independent reader of Sigill's encrypted formats, written from encrypted-object.md alone (Python `cryptography`).

It checks the spec, not production: it opens a file keyring with its master secret, unwraps the organization keys,
then decrypts an object, a field token and a sealed record and recomputes a blind index. Inputs in DIR (produced by a test harness):
master.bin, keyring.json, orgkey-Content-1.txt / orgkey-BlindIndex-1.txt (root key id, erasure key id, base64
wrapped key, one per line), object.bin + plain.bin (env production, region eu, org org_42, object doc-7 version 3,
purpose document, chunk exponent from the header), field.txt (purpose recipient.email, record rec-1, value
ada@example.com), index.txt (blind index of ada@example.com for recipient.email), and record.bin +
record-plain.bin (object aev_eu_1 version 1, purpose audit.event).
Usage: encrypted-object-reference.py DIR
"""
import json, base64, hashlib, hmac, struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DIR = sys.argv[1]

def s(x): b = x.encode(); return struct.pack('>H', len(b)) + b
def H(b): return hashlib.sha256(b).digest()
def expand(prk, info, L):
    out, t, i = b'', b'', 1
    while len(out) < L:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); out += t; i += 1
    return out[:L]
def hkdf(ikm, salt, info, L):
    return expand(hmac.new(salt or b'\0' * 32, ikm, hashlib.sha256).digest(), info, L)
def b64u(t): return base64.urlsafe_b64decode(t + '=' * (-len(t) % 4))

env, region, org = 'production', 'eu', 'org_42'
master = open(DIR + '/master.bin', 'rb').read()
ring = json.load(open(DIR + '/keyring.json'))
entry_key = hkdf(master, base64.b64decode(ring['salt']), b'sigill/file-keyring/v1/entry-key', 32)
assert hmac.new(entry_key, b'sigill/file-keyring/v1/check', hashlib.sha256).digest() == base64.b64decode(ring['check'])
keys = {}
for k in ring['keys']:
    sealed = base64.b64decode(k['sealed'])
    keys[k['id']] = AESGCM(entry_key).decrypt(sealed[:12], sealed[12:], b'sigill/file-keyring/v1/entry' + s(k['id']))

def provider_unwrap(key_id, wrapped, aad):
    assert wrapped[0] == 1
    return AESGCM(keys[key_id]).decrypt(wrapped[1:13], wrapped[13:], b'sigill/file-keyring/v1/wrap' + s(key_id) + aad)

def org_key(kind_file, kind, version):
    root_id, erasure_id, wrapped = open(kind_file).read().split('\n')[:3]
    inner = provider_unwrap(root_id, base64.b64decode(wrapped), b'sigill/org-key/v1/outer' + s(env) + s(region) + s(org) + s(kind) + s(str(version)) + s(root_id))
    return provider_unwrap(erasure_id, inner, b'sigill/org-key/v1/inner' + s(env) + s(region) + s(org) + s(kind) + s(str(version)) + s(erasure_id))

content = org_key(DIR + '/orgkey-Content-1.txt', 'content', 1)
index_key = org_key(DIR + '/orgkey-BlindIndex-1.txt', 'blind-index', 1)

# Object
obj = open(DIR + '/object.bin', 'rb').read()
assert obj[:4] == b'SGLE' and obj[4] == 1
C = 1 << obj[5]
enc = s(env) + s(region) + s(org) + s('doc-7') + struct.pack('>i', 3) + s('document')
P = obj[:56]
assert H(b'sigill/object/v1/context-hint' + enc)[:8] == obj[8:16]
D = H(b'sigill/object/v1/header' + P + enc)
salt, prefix, commit = obj[16:48], obj[48:55], obj[56:88]
version = struct.unpack('>I', obj[88:92])[0]
wrap_salt, wrapped = obj[92:108], obj[108:156]
wrap_key = expand(content, b'sigill/object/v1/wrap-key' + wrap_salt + D + struct.pack('>I', version), 32)
data_key = AESGCM(wrap_key).decrypt(b'\0' * 12, wrapped, D + struct.pack('>I', version))
okm = expand(data_key, b'sigill/object/v1/keys' + salt + D, 64)
assert hmac.compare_digest(okm[:32], commit)
g = AESGCM(okm[32:])
body, out, i = obj[156:], b'', 0
n = max(1, -(-len(body) // (C + 16)))
for i in range(n):
    chunk = body[i * (C + 16):(i + 1) * (C + 16)]
    out += g.decrypt(prefix + struct.pack('>I', i) + bytes([1 if i == n - 1 else 0]), chunk, D)
assert out == open(DIR + '/plain.bin', 'rb').read()
print('object ok:', len(out), 'bytes,', n, 'chunks')

# Field token
raw = b64u(open(DIR + '/field.txt').read()[3:])
fv = struct.unpack('>I', raw[:4])[0]
Df = H(b'sigill/field/v1/context' + s(env) + s(region) + s(org) + s('recipient.email') + s('rec-1'))
okm = expand(content, b'sigill/field/v1/keys' + raw[4:20] + Df, 48)
assert hmac.compare_digest(okm[32:48], raw[20:36])
print('field ok:', AESGCM(okm[:32]).decrypt(b'\0' * 12, raw[36:], Df + struct.pack('>I', fv)).decode())

# Blind index
K = hkdf(index_key, b'', b'sigill/blind-index/v1' + s(env) + s(region) + s(org) + s('recipient.email'), 32)
idx = 'b1.' + base64.urlsafe_b64encode(hmac.new(K, b'ada@example.com', hashlib.sha256).digest()).decode().rstrip('=')
assert idx == open(DIR + '/index.txt').read(), (idx, open(DIR + '/index.txt').read())
print('blind index ok:', idx)

# Sealed record
rec = open(DIR + '/record.bin', 'rb').read()
assert rec[:4] == b'SGLR' and rec[4] == 1
assert struct.unpack('>I', rec[5:9])[0] == 1  # content key version (the one unwrapped above)
okm = expand(content, b'sigill/record/v1/key' + s(env) + s(region) + s(org) + s('audit.event'), 48)
assert hmac.compare_digest(okm[32:48], rec[9:25])
enc = s(env) + s(region) + s(org) + s('aev_eu_1') + struct.pack('>i', 1) + s('audit.event')
plain = AESGCM(okm[:32]).decrypt(rec[25:37], rec[37:], rec[:37] + enc)
assert plain == open(DIR + '/record-plain.bin', 'rb').read()
print('sealed record ok:', len(plain), 'bytes')
