"""Several Keyward servers on one PostgreSQL (test_scale_out.py).

* ScratchPostgres - scripts/scratch-postgres.sh: a throw-away cluster of our own (start / restart / stop-keep / stop).
* shared_postgres_url() - the run's PostgreSQL (KEYWARD_TEST_POSTGRES_URL, exported by test.sh), else None.
* with_schema(url, schema) - the URL with `search_path=SCHEMA` (Keyward's tables in a schema of their own).
* ScaleServer - `keyward serve` (kwhelpers.KeywardServer, simulated driver) on a PostgreSQL URL, with the deployment's
  shared `--server-key-file` and its own data directory, port and `--host-id`. The URL goes on the command line
  (`--database`) or, with via_env=True, in KEYWARD_DATABASE.
* RawClient - hand-signed requests (kwhelpers.build_v1 / build_v3) with `requests`, for replay and outage tests.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, Optional
from urllib.parse import urlsplit, urlunsplit

import requests

import kwhelpers as kw

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "scratch-postgres.sh"
SCRIPT_TIMEOUT = 180.0     # the first start may apt-get install postgresql


def shared_postgres_url() -> Optional[str]:
    return os.environ.get("KEYWARD_TEST_POSTGRES_URL") or None


def with_schema(url: str, schema: str) -> str:
    assert schema and all(c.islower() or c.isdigit() or c == "_" for c in schema), schema
    parts = urlsplit(url)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("search_path="))
    query = (query + "&" if query else "") + f"search_path={schema}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def fresh_schema(label: str) -> str:
    return f"kw_{label}_{kw.token(8)}"


class ScratchPostgres:
    """A cluster of our own in a fresh directory directly under /tmp (as root the cluster belongs to `postgres`,
    which cannot enter pytest's 0700 tmp_path)."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="keyward-scale-pg."))
        self.url: Optional[str] = None

    def _run(self, command: str) -> str:
        r = subprocess.run(["bash", str(SCRIPT), command, str(self.dir)], capture_output=True, text=True,
                           timeout=SCRIPT_TIMEOUT, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, f"scratch-postgres.sh {command} failed ({r.returncode}): {r.stderr.strip()} {r.stdout.strip()}"
        return r.stdout

    def start(self) -> str:
        lines = [line for line in self._run("start").splitlines() if line.startswith("postgres://")]
        assert len(lines) == 1, lines
        self.url = lines[0]
        return self.url

    def restart(self) -> None:
        """Immediate shutdown, then started again on the same port (also starts a cluster stopped by stop_keep)."""
        self._run("restart")

    def stop_keep(self) -> None:
        """Immediate shutdown; the cluster stays in its directory for restart()."""
        self._run("stop-keep")

    def stop(self) -> None:
        """Stops the cluster and removes its directory."""
        if self.dir.exists():
            self._run("stop")


class ScaleServer(kw.KeywardServer):
    """A simulated-driver server of a PostgreSQL deployment."""

    def __init__(self, data_dir: Path, ak: str, secret: str, database_url: str, server_key_file: Path,
                 host_id: Optional[str] = None, via_env: bool = False, env: Optional[Dict[str, str]] = None):
        args = list(kw.KeywardServer.DEFAULT_ARGS) + ["--server-key-file", str(server_key_file)]
        if host_id:
            args += ["--host-id", host_id]
        if not via_env:
            args += ["--database", database_url]
        super().__init__(data_dir, ak, secret, extra_args=args)
        self.database_url = database_url
        self.env = dict(env or {})
        if via_env:
            self.env["KEYWARD_DATABASE"] = database_url

    def start(self) -> None:
        saved = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        try:
            super().start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


class RawClient:
    """Hand-signed requests to one server (its own AccessKey unless given)."""

    def __init__(self, server: kw.KeywardServer, timeout: float = 30.0):
        self.server = server
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False

    def v1(self, action: str, params=None, **k) -> kw.RawRequest:
        s = self.server
        return kw.build_v1(s.base_url, action, dict(params or {}), k.pop("ak", s.ak), k.pop("secret", s.secret),
                           region=k.pop("region", None), **k)

    def v3(self, action: str, query=None, **k) -> kw.RawRequest:
        s = self.server
        return kw.build_v3(s.base_url, s.endpoint, action, dict(query or {}), k.pop("ak", s.ak), k.pop("secret", s.secret), **k)

    def send(self, req: kw.RawRequest, to: Optional[kw.KeywardServer] = None) -> requests.Response:
        """Sends `req` as built (the same bytes, the same Host header) to this server, or to `to`."""
        url = req.url
        if to is not None:
            url = to.base_url + url[len(self.server.base_url):]
        return self.session.request(req.method, url, headers=req.headers, data=req.body or None,
                                    timeout=self.timeout, allow_redirects=False)


def assert_rpc_error(resp: requests.Response, code: str, status: int) -> dict:
    assert (resp.status_code, _code(resp)) == (status, code), (resp.status_code, resp.text[:1000])
    assert "json" in resp.headers.get("Content-Type", "").lower(), resp.headers
    body = resp.json()
    for f in ("Code", "Message", "RequestId"):
        assert body.get(f), (f, body)
    return body


def assert_rpc_ok(resp: requests.Response) -> dict:
    assert resp.status_code == 200, (resp.status_code, resp.text[:1000])
    body = resp.json()
    assert body.get("RequestId"), body
    return body


def _code(resp: requests.Response) -> Optional[str]:
    try:
        return resp.json().get("Code")
    except ValueError:
        return None


def rpc_code(resp: requests.Response) -> Optional[str]:
    return _code(resp)


def wait_until(condition, timeout: float, interval: float = 0.2, what: str = "a condition"):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout}s for {what} (last: {last!r})")
        time.sleep(interval)
