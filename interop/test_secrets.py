"""Private keys returned by CreateKeyPair must never be written to disk (database, -wal, -shm,
any other file in the data dir) nor to the server log."""
from __future__ import annotations

import base64
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import serialization

import kwhelpers as kw
from kwhelpers import REGION_OTHER

N_KEYS = 200
WINDOW = 24          # a leak of >= WINDOW + STRIDE - 1 contiguous bytes/characters is always found
STRIDE = 4


def _windows(buf: bytes):
    return [buf[i:i + WINDOW] for i in range(0, len(buf) - WINDOW + 1, STRIDE)]


def needles_for(pem: str):
    """Fixed-size windows of everything that would betray the private key.

    The PKCS#8 DER starts with the *public* modulus and exponent (which legitimately appear
    wherever the public key is stored: the OpenSSH blob even puts the modulus at the same base64
    alignment), so only the DER from the private exponent d onwards is secret. That region
    (d, p, q, dp, dq, qinv; identical in PKCS#1) is covered as raw bytes, lower/upper hex, and
    base64/base64url at each of the 3 byte alignments (so it is found inside any base64 container,
    PEM lines included, whatever the line length).
    """
    body = "".join(ln for ln in pem.strip().splitlines() if not ln.startswith("-----"))
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    trad = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())
    assert base64.b64decode(body) == der
    nums = key.private_numbers()
    d_raw = nums.d.to_bytes((nums.d.bit_length() + 7) // 8, "big")
    d_pos = der.find(d_raw)
    assert d_pos > 0 and trad.find(d_raw) > 0
    secret = der[d_pos:]
    assert trad.endswith(secret)
    assert len(secret) > 700
    out = _windows(secret)
    out += _windows(secret.hex().encode()) + _windows(secret.hex().upper().encode())
    for off in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            out += _windows(enc(secret[off:]).rstrip(b"=")[:-4])
    return out


def scan(files, needles):
    """[(file, offset, window)] for every needle window found in the files."""
    wanted = set(needles)
    hits = []
    for f in files:
        data = f.read_bytes()
        for i in range(0, len(data) - WINDOW + 1):
            if data[i:i + WINDOW] in wanted:
                hits.append((str(f), i, data[i:i + WINDOW]))
                if len(hits) > 20:
                    return hits
    return hits


def test_private_keys_never_reach_disk(live_server):
    server = live_server
    u = kw.token()
    names = [f"sec{u}-{i:03d}" for i in range(N_KEYS)]
    kinds = ["legacy", "tea-v3", "tea-v2"]
    local = threading.local()

    def one(i):
        if not hasattr(local, "sdk"):
            local.sdk = kw.make_sdk(kinds[i % 3], server)
        r = local.sdk.create_key_pair(names[i], region=REGION_OTHER)
        assert r["PrivateKeyBody"].startswith("-----BEGIN PRIVATE KEY-----")
        return r

    with ThreadPoolExecutor(4) as ex:
        created = list(ex.map(one, range(N_KEYS)))
    pems = [r["PrivateKeyBody"] for r in created]
    fps = {r["KeyPairName"]: r["KeyPairFingerPrint"] for r in created}
    assert len(set(pems)) == N_KEYS

    code = server.stop()
    assert code == 0, f"keyward exit code after SIGTERM: {code}"

    files = [p for p in Path(server.data_dir).rglob("*") if p.is_file()]
    assert server.log_path in files
    assert any(p.stat().st_size > 0 for p in files if p != server.log_path), "no database written?"
    for p in files:
        data = p.read_bytes()
        assert b"PRIVATE KEY-----" not in data, p
        # nor the root AccessKeySecret, in any common encoding
        sec = server.secret.encode()
        for form in (sec, base64.b64encode(sec), sec.hex().encode()):
            assert form not in data, (p, form)
    needles = [n for pem in pems for n in needles_for(pem)]
    hits = scan(files, needles)
    assert hits == [], hits[:10]

    # the key pairs themselves survived the restart
    server.start()
    legacy = kw.make_sdk("legacy", server)
    listed = {k["KeyPairName"]: k["KeyPairFingerPrint"]
              for k in kw.describe_all(legacy, REGION_OTHER, name=f"sec{u}-*")}
    assert listed == fps
    for i in range(0, N_KEYS, 100):
        legacy.delete_key_pairs(json.dumps(names[i:i + 100]), region=REGION_OTHER)
    assert kw.describe_all(legacy, REGION_OTHER, name=f"sec{u}-*") == []
