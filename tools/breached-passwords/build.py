#!/usr/bin/env python3
"""Regenerates src/Sigill.Api/Identity/breached-passwords.bin from the common-password list of
@zxcvbn-ts/language-common (MIT): every password of at least 10 characters (Sigill's minimum length),
lower-cased, as the first 8 bytes of its SHA-256, sorted, big-endian. Usage:
  npm pack @zxcvbn-ts/language-common@4.1.3 && tar xzf zxcvbn-ts-language-common-4.1.3.tgz
  python3 build.py package/src/passwords.json ../../src/Sigill.Api/Identity/breached-passwords.bin
"""
import hashlib, json, sys

MINIMUM_LENGTH = 10
source, target = sys.argv[1], sys.argv[2]
words = {w.lower() for w in json.load(open(source, encoding="utf-8")) if len(w) >= MINIMUM_LENGTH}
prefixes = sorted({hashlib.sha256(w.encode("utf-8")).digest()[:8] for w in words})
with open(target, "wb") as f:
    for p in prefixes:
        f.write(p)
print(f"{len(prefixes)} entries, {len(prefixes) * 8} bytes -> {target}")
