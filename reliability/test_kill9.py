"""Nothing acknowledged is lost when the server is killed with SIGKILL under a concurrent write load.

Keyward commits writes in groups (concurrent nonce claims and audit events share one transaction and one fsync) and
answers only after the commit. Here 4-8 threads of ImportKeyPair / DeleteKeyPairs through the legacy AcsClient
(auto_retry=False) run until the server is killed 0.2-1.5 s in; it is started again on the same data, RELIABILITY_KILLS
times (default 20). After every kill, while the server is down, and once more at the end:

* every acknowledged import is there with its fingerprint, every acknowledged delete gone, no refused or unsent
  import there (calls whose connection broke may have gone either way) - in the database, and at the end through
  DescribeKeyPairs, page by page, in every region;
* quota_usage.used of every region equals its number of key pairs;
* the nonce of every acknowledged request is stored, and a few acknowledged requests sent again byte for byte after
  the restart are refused with SignatureNonceUsed; a call whose connection broke and that took effect has its nonce
  stored too;
* every acknowledged call has its audit event (by RequestId); a call whose connection broke has one exactly when it
  took effect (the event is written in the operation's transaction); a multi-name delete took effect for all names or
  none;
* SQLite: PRAGMA integrity_check says ok (on a copy of the database and its WAL); PostgreSQL: between some rounds the
  cluster itself is crashed too (immediate shutdown) when it is ours;
* no call is answered with a 5xx.

Env: RELIABILITY_KILLS (20), RELIABILITY_THREADS (6), RELIABILITY_SEED (random; printed in the summary and in a
failure), KEYWARD_BIN, KEYWARD_TEST_POSTGRES_URL (a shared PostgreSQL; else one of our own is started)."""
from __future__ import annotations

import random

import pytest

import kwhelpers as kw
import killrounds as kr
import scale_helpers as sh

KILLS = kr.env_int("RELIABILITY_KILLS", 20)
THREADS = kr.env_int("RELIABILITY_THREADS", 6)
POSTGRES_CRASH_EVERY = 4     # rounds; only a cluster of our own


def seed() -> int:
    return kr.env_int("RELIABILITY_SEED", random.SystemRandom().randrange(1 << 31))


def test_kill9_sqlite(tmp_path):
    data = tmp_path / "data"
    server = kw.KeywardServer(data, kw.random_access_key_id(), kw.random_secret())
    try:
        kr.run_rounds(server, lambda: kr.SQLiteView(data), KILLS, THREADS, seed(), "sqlite")
    finally:
        server.kill()


@pytest.fixture
def postgres():
    url = sh.shared_postgres_url()
    if url:
        yield url, None
        return
    pg = sh.ScratchPostgres()
    try:
        yield pg.start(), pg
    finally:
        pg.stop()


def test_kill9_postgres(tmp_path, postgres):
    base_url, cluster = postgres
    url = sh.with_schema(base_url, sh.fresh_schema("kill9"))
    key_file = tmp_path / "keys" / "server.key"
    key_file.parent.mkdir()
    server = sh.ScaleServer(tmp_path / "data", kw.random_access_key_id(), kw.random_secret(), url, key_file)

    def crash_postgres_too(info: kr.RoundInfo) -> None:
        if cluster is not None and info.number % POSTGRES_CRASH_EVERY == 0:
            cluster.restart()          # immediate shutdown (no checkpoint), then crash recovery on start
            info.postgres_crashed = True

    try:
        kr.run_rounds(server, lambda: kr.PostgresView(url), KILLS, THREADS, seed(), "postgres",
                      between=crash_postgres_too)
    finally:
        server.kill()
