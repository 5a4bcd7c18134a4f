"""Running `keyward serve` as an operator does: any listen address, TLS, configuration sources, the server key.

`Serve` starts one server process and waits for its banner (stdout) while keeping stderr apart, so that tests can read
the one-line start-up errors and the JSON log lines separately.
"""
import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

import kwhelpers as kw


def clean_env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in kw._PROXY_VARS and not k.startswith("KEYWARD_")}
    env.update(extra)
    return env


class Serve:
    def __init__(self, args: List[str], env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None):
        self.args = args
        self.env = env if env is not None else clean_env()
        self.cwd = cwd
        self.proc: Optional[subprocess.Popen] = None
        self.out_path: Optional[Path] = None
        self.err_path: Optional[Path] = None

    def start(self, scratch: Path, marker: str = "listening on ", timeout: float = 60) -> str:
        """Starts the server; returns its banner once `marker` appears. Raises if it exits first."""
        scratch.mkdir(parents=True, exist_ok=True)
        self.out_path = scratch / f"serve-{time.monotonic_ns()}.out"
        self.err_path = scratch / f"serve-{time.monotonic_ns()}.err"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([kw.keyward_binary(), "serve", *self.args], stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, env=self.env, cwd=self.cwd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.out_path.read_text(errors="replace")
            if marker in text and "Metrics:" in text:
                return text
            if self.proc.poll() is not None:
                raise AssertionError(f"keyward serve exited with {self.proc.returncode}:\n{self.stderr()}\n{text}")
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"no banner within {timeout}s:\n{self.stderr()}")

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace") if self.out_path else ""

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace") if self.err_path else ""

    def stop(self) -> int:
        if self.proc is None:
            return 0
        self.proc.terminate()
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("keyward serve did not stop within 30 s of SIGTERM")
        self.proc = None
        return code


def run_to_exit(args: List[str], env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None, timeout: float = 60):
    """Runs `keyward ARGS` to its end; returns (exit code, stdout, stderr)."""
    r = subprocess.run([kw.keyward_binary(), *args], capture_output=True, text=True, timeout=timeout,
                       env=env if env is not None else clean_env(), cwd=cwd, stdin=subprocess.DEVNULL)
    return r.returncode, r.stdout, r.stderr


def banner_credentials(banner: str):
    ak = re.search(r"Root AccessKeyId:\s+(\S+)", banner).group(1)
    secret = re.search(r"AccessKeySecret: (\S+)\s+\(shown only now", banner)
    return ak, secret.group(1) if secret else None


def one_error_line(stderr: str) -> str:
    """The start-up error: exactly one non-empty line, no backtrace."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one error line, got:\n{stderr}"
    assert "SQLiteConnection" not in stderr and "Fatal error" not in stderr and "backtrace" not in stderr.lower(), stderr
    return lines[0]


def ecs_call(server, action, version="2014-05-26", **params):
    """One ECS (or Keyward) action through the legacy SDK's CommonRequest, against a `kwhelpers.KeywardServer`."""
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest
    client = AcsClient(server.ak, server.secret, "cn-hangzhou", port=server.port, timeout=300)
    request = CommonRequest(domain="127.0.0.1", version=version, action_name=action)
    request.set_method("POST")
    request.set_protocol_type("http")
    for key, value in params.items():
        request.add_query_param(key, str(value))
    return json.loads(client.do_action_with_exception(request))


SIMULATED = ["--driver", "simulated", "--metadata-listen", "off"]


def describe_regions_legacy(ak, secret, port, verify=None, https=False):
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkecs.request.v20140526.DescribeRegionsRequest import DescribeRegionsRequest
    client = AcsClient(ak, secret, "cn-hangzhou", port=port, **({"verify": verify} if verify else {}))
    request = DescribeRegionsRequest()
    request.set_endpoint("127.0.0.1")
    if https:
        request.set_protocol_type("https")
    return json.loads(client.do_action_with_exception(request))


def tea_client(ak, secret, port, ca=None, https=False):
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config
    config = Config(access_key_id=ak, access_key_secret=secret, region_id="cn-hangzhou", endpoint=f"127.0.0.1:{port}",
                    protocol="https" if https else "http")
    if ca:
        config.ca = ca
    return Client(config)


def banner_snippet(banner: str, heading: str) -> dict:
    """Runs the Python block of the banner that starts with the comment `# <heading>` (up to the next blank line)
    exactly as printed; returns the names it defined."""
    lines = banner.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# " + heading))
    block = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        block.append(line)
    names: dict = {}
    exec("\n".join(block), names)  # noqa: S102 - the banner's own snippet, the point of the test
    return names
