"""Helpers for the Tencent Cloud CVM (API 3.0, 2017-03-12) interop suites (test_tencent_*.py).

Written to Tencent's documented behaviour as fixed in shared/reference/tencent-cvm-api.md (its §8 holds Keyward's
choices where Tencent's docs are silent) and tencent-aws-openstack-peers.md §1, not to Keyward's code.

* Cvm       - the official tencentcloud-sdk-python CvmClient pointed at Keyward (`HttpProfile(protocol="http",
  endpoint="127.0.0.1:PORT")`), with TC3-HMAC-SHA256 or the legacy HmacSHA256 / HmacSHA1 signature, POST or GET.
  `cvm.call("DescribeKeyPairs", KeyIds=[...])` builds the SDK's own `<Action>Request` model, calls the client's
  `<Action>` method (so the response is parsed by the SDK's `<Action>Response` model) and returns the `Response`
  object exactly as it came over the wire (a dict). Errors are the SDK's TencentCloudSDKException.
* Tccli     - the `tccli` command line (`tccli cvm <Action> --region ... --endpoint http://127.0.0.1:PORT`), credentials
  from TENCENTCLOUD_SECRET_ID/KEY, HOME in a temporary folder. Errors: exit 255 and `[TencentCloudSDKException]
  code:<Code> message:<Message> requestId:<id>` on stderr -> TccliError.
* Raw TC3 and legacy-v1 signing with `requests` (the canonical request of recipes/tencent_tc3_oracle.py, turned
  around to sign), for tamper / expiry / replay tests; `assert_wire_error` checks the error's wire shape.
* Waiting helpers for Tencent's asynchronous instance actions, the public Debian image found by DescribeImages.
"""
from __future__ import annotations

import datetime as _dt
import base64
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import shutil
import string
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlencode

import pytest
import requests

import kwhelpers as kw

# --------------------------------------------------------------------------------------------
# Constants of the contract
# --------------------------------------------------------------------------------------------

VERSION = "2017-03-12"
SERVICE = "cvm"
REGION = "ap-guangzhou"
ZONE = "ap-guangzhou-3"
OTHER_REGION = "ap-shanghai"
OTHER_REGION_ZONE = "ap-shanghai-2"
TENCENT_REGIONS = ("ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-singapore")
INSTANCE_TYPE = "S5.MEDIUM2"          # 2 vCPU, 2 GiB

TC3 = "TC3-HMAC-SHA256"
SIGN_METHODS = (TC3, "HmacSHA256", "HmacSHA1")

SKEY_RE = re.compile(r"^skey-[a-z0-9]{8}$")
INS_RE = re.compile(r"^ins-[a-z0-9]{8}$")
IMG_RE = re.compile(r"^img-[a-z0-9]{8}$")
ISO_UTC_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

JSON_CT = "application/json"

# Linux password rule of ResetInstancesPassword (the stricter of the two Linux rules): 8-30, not starting with
# '/', at least 3 of lower / upper / digit / special.
SPECIALS = "()`~!@#$%^&*-+=_|{}[]:;'<>,.?/"


def strong_password() -> str:
    core = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
    return "Kw" + core + secrets.choice("!@#%^*-_+=") + str(secrets.randbelow(10)) + "a"


_counter = 0


def tname(prefix: str = "kw") -> str:
    """A fresh Tencent key name: letters, digits and '_' only, at most 25 characters."""
    global _counter
    _counter += 1
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", prefix) and len(prefix) <= 8, prefix
    name = f"{prefix}_{_counter}_{secrets.token_hex(5)}"
    assert len(name) <= 25, name
    return name


def random_suffix(n: int = 8) -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def missing_key_id() -> str:
    return "skey-" + random_suffix()


def missing_instance_id() -> str:
    return "ins-" + random_suffix()


def missing_image_id() -> str:
    return "img-" + random_suffix()


# --------------------------------------------------------------------------------------------
# The Python SDK
# --------------------------------------------------------------------------------------------

def sdk_exception():
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    return TencentCloudSDKException


def _recording_client_class():
    from tencentcloud.cvm.v20170312 import cvm_client

    class RecordingCvmClient(cvm_client.CvmClient):
        """The official client; remembers the raw body of the last successful response."""
        last_raw = None

        def call(self, action, params, options=None, headers=None):
            self.last_raw = None
            body = super().call(action, params, options, headers)
            self.last_raw = json.loads(body)
            return body

    return RecordingCvmClient


def _strip_none(v):
    if isinstance(v, dict):
        return {k: _strip_none(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_strip_none(x) for x in v]
    return v


class Cvm:
    """tencentcloud-sdk-python's CvmClient against a Keyward server."""

    def __init__(self, server: kw.KeywardServer, secret_id: Optional[str] = None, secret_key: Optional[str] = None,
                 sign_method: str = TC3, req_method: str = "POST", region: str = REGION, language: str = "en-US",
                 endpoint: Optional[str] = None):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        self.server = server
        self.secret_id = server.ak if secret_id is None else secret_id
        self.secret_key = server.secret if secret_key is None else secret_key
        self.sign_method, self.req_method, self.region = sign_method, req_method, region
        hp = HttpProfile(protocol="http", endpoint=endpoint or f"127.0.0.1:{server.port}", reqMethod=req_method,
                         reqTimeout=120)
        cp = ClientProfile(httpProfile=hp, signMethod=sign_method, language=language)
        self.client = _recording_client_class()(credential.Credential(self.secret_id, self.secret_key), region, cp)
        self.name = f"sdk-{sign_method}-{req_method}"

    def call(self, action: str, **params) -> dict:
        """The action through the SDK's own request model and client method; returns the wire `Response`."""
        from tencentcloud.cvm.v20170312 import models
        req = getattr(models, action + "Request")()
        req.from_json_string(json.dumps(_strip_none(params)))
        resp = getattr(self.client, action)(req)
        raw = self.client.last_raw
        assert isinstance(raw, dict) and isinstance(raw.get("Response"), dict), raw
        body = raw["Response"]
        assert body.get("RequestId"), body
        # What the SDK's response model parsed is what came over the wire.
        parsed = json.loads(resp.to_json_string())
        for k, v in parsed.items():
            if k in body and not isinstance(v, (dict, list)) and v is not None:
                assert body[k] == v, (k, body[k], v)
        return body

    def call_generic(self, action: str, params: Optional[dict] = None) -> dict:
        """Any action name (also ones the SDK does not know), through the SDK's `call_json`."""
        r = self.client.call_json(action, dict(params or {}))
        return r["Response"]

    def __getattr__(self, item):
        if item[:1].isupper():
            return lambda **params: self.call(item, **params)
        raise AttributeError(item)


def expect_error(fn, code: str, *a, **k):
    """fn(*a, **k) must raise TencentCloudSDKException with exactly `code`; returns the exception."""
    exc = sdk_exception()
    with pytest.raises(exc) as ei:
        fn(*a, **k)
    e = ei.value
    assert e.code == code, f"expected {code}, got {e}"
    assert e.message, f"{code} without a message: {e}"
    assert e.requestId and e.requestId != "None", f"{code} without a RequestId: {e}"
    return e


def expect_one_of(fn, codes: Sequence[str], *a, **k):
    exc = sdk_exception()
    with pytest.raises(exc) as ei:
        fn(*a, **k)
    e = ei.value
    assert e.code in codes, f"expected one of {codes}, got {e}"
    assert e.requestId, str(e)
    return e


# --------------------------------------------------------------------------------------------
# Response helpers
# --------------------------------------------------------------------------------------------

def key_set(resp: dict) -> List[dict]:
    return list(resp.get("KeyPairSet") or [])


def key_ids_of(resp: dict) -> List[str]:
    return [k["KeyId"] for k in key_set(resp)]


def tags_of(obj: dict) -> Dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in (obj.get("Tags") or [])}


def describe_key(cvm: Cvm, key_id: str) -> Optional[dict]:
    found = key_set(cvm.DescribeKeyPairs(KeyIds=[key_id]))
    assert len(found) <= 1, found
    return found[0] if found else None


def key_by_name(cvm: Cvm, name: str) -> Optional[dict]:
    found = [k for k in key_set(cvm.DescribeKeyPairs(Filters=[{"Name": "key-name", "Values": [name]}], Limit=100))
             if k["KeyName"] == name]
    assert len(found) <= 1, found
    return found[0] if found else None


def key_total(cvm: Cvm) -> int:
    return int(cvm.DescribeKeyPairs(Limit=1)["TotalCount"])


def openssh_blob_of(line: str) -> Tuple[str, str]:
    return kw.openssh_blob(line)


def tag_spec(tags: Iterable[Tuple[str, str]]) -> List[dict]:
    return [{"ResourceType": "keypair", "Tags": [{"Key": k, "Value": v} for k, v in tags]}]


def instances_of(resp: dict) -> List[dict]:
    return list(resp.get("InstanceSet") or [])


def images_of(resp: dict) -> List[dict]:
    return list(resp.get("ImageSet") or [])


def describe_instance(cvm: Cvm, instance_id: str) -> Optional[dict]:
    found = instances_of(cvm.DescribeInstances(InstanceIds=[instance_id]))
    assert len(found) <= 1, found
    return found[0] if found else None


def login_address(inst: dict) -> Tuple[str, int]:
    ips = inst.get("PrivateIpAddresses") or []
    assert ips and ips[0], f"no private address for {inst.get('InstanceId')}: {inst}"
    return ips[0], int(inst["DefaultLoginPort"])


def bound_keys(inst: dict) -> List[str]:
    return sorted(((inst.get("LoginSettings") or {}).get("KeyIds")) or [])


def wait_instance(cvm: Cvm, instance_id: str, state: str, limit: float = 180) -> dict:
    """Polls DescribeInstances until the instance is in `state` and no operation is running on it."""
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        last = describe_instance(cvm, instance_id)
        if last and last.get("InstanceState") == state and last.get("LatestOperationState") != "OPERATING":
            return last
        time.sleep(0.2)
    raise AssertionError(f"{instance_id} not {state} (with no operation running) within {limit}s: {last}")


def wait_operation(cvm: Cvm, instance_id: str, limit: float = 180) -> dict:
    """Polls until LatestOperationState is no longer OPERATING; returns the instance."""
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        last = describe_instance(cvm, instance_id)
        if last and last.get("LatestOperationState") not in ("OPERATING", None):
            return last
        time.sleep(0.2)
    raise AssertionError(f"the latest operation on {instance_id} did not end within {limit}s: {last}")


def wait_gone(cvm: Cvm, instance_id: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        last = describe_instance(cvm, instance_id)
        if last is None:
            return
        time.sleep(0.2)
    raise AssertionError(f"{instance_id} still described {limit}s after TerminateInstances: {last}")


def wait_image(cvm: Cvm, image_id: str, state: str = "NORMAL", limit: float = 180) -> dict:
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        found = images_of(cvm.DescribeImages(ImageIds=[image_id]))
        if found:
            last = found[0]
            if last.get("ImageState") == state:
                return last
        time.sleep(0.2)
    raise AssertionError(f"image {image_id} not {state} within {limit}s: {last}")


_debian_cache: Dict[int, str] = {}


def debian_image(cvm: Cvm) -> str:
    """The public Debian image's img- id, found with DescribeImages (never hard-coded)."""
    if cvm.server.port in _debian_cache:
        return _debian_cache[cvm.server.port]
    r = cvm.DescribeImages(Filters=[{"Name": "image-type", "Values": ["PUBLIC_IMAGE"]}], Limit=100)
    debian = [i for i in images_of(r) if i.get("Platform") == "Debian"]
    assert debian, f"DescribeImages lists no public Debian image: {images_of(r)}"
    image_id = debian[0]["ImageId"]
    assert IMG_RE.match(image_id), image_id
    _debian_cache[cvm.server.port] = image_id
    return image_id


def run_instances(cvm: Cvm, login: Optional[dict] = None, image_id: Optional[str] = None, count: Optional[int] = None,
                  name: Optional[str] = None, zone: str = ZONE, instance_type: str = INSTANCE_TYPE, **extra) -> List[str]:
    """RunInstances; returns InstanceIdSet (does not wait)."""
    r = cvm.RunInstances(Placement={"Zone": zone}, ImageId=image_id or debian_image(cvm), InstanceType=instance_type,
                         InstanceCount=count, InstanceName=name, LoginSettings=login, **extra)
    ids = list(r.get("InstanceIdSet") or [])
    assert len(ids) == (count or 1), r
    for i in ids:
        assert INS_RE.match(i), i
    return ids


def instance_total(cvm: Cvm) -> int:
    return int(cvm.DescribeInstances(Limit=1)["TotalCount"])


# --------------------------------------------------------------------------------------------
# tccli
# --------------------------------------------------------------------------------------------

class TccliError(Exception):
    def __init__(self, rc: int, code: Optional[str], message: Optional[str], request_id: Optional[str], stderr: str):
        super().__init__(f"tccli exit {rc}: code={code} message={message} requestId={request_id} stderr={stderr!r}")
        self.rc, self.code, self.message, self.requestId, self.stderr = rc, code, message, request_id, stderr


_TCCLI_ERR = re.compile(r"\[TencentCloudSDKException\] code:(\S+) message:(.*?) requestId:(\S*)", re.S)


def tccli_binary() -> str:
    b = Path(sys.executable).parent / "tccli"
    if b.exists():
        return str(b)
    found = shutil.which("tccli")
    assert found, "tccli is not installed (pip install -r interop/requirements.txt)"
    return found


class Tccli:
    def __init__(self, server: kw.KeywardServer, home: Path, secret_id: Optional[str] = None,
                 secret_key: Optional[str] = None, region: str = REGION):
        self.server = server
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.secret_id = server.ak if secret_id is None else secret_id
        self.secret_key = server.secret if secret_key is None else secret_key
        self.region = region

    def env(self) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TENCENTCLOUD_") and k not in kw._PROXY_VARS}
        env.update(HOME=str(self.home), TENCENTCLOUD_SECRET_ID=self.secret_id, TENCENTCLOUD_SECRET_KEY=self.secret_key,
                   NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        return env

    def run(self, action: str, *argv: str, region: Optional[str] = None) -> subprocess.CompletedProcess:
        cmd = [tccli_binary(), "cvm", action, "--region", region or self.region,
               "--endpoint", f"http://127.0.0.1:{self.server.port}", *argv]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=self.env())

    @staticmethod
    def json_args(params: Dict[str, Any]) -> List[str]:
        out = []
        for k, v in _strip_none(params).items():
            if isinstance(v, (list, dict)):
                out += [f"--{k}", json.dumps(v)]
            elif isinstance(v, bool):
                out += [f"--{k}", "true" if v else "false"]
            else:
                out += [f"--{k}", str(v)]
        return out

    @staticmethod
    def unfold_args(params: Dict[str, Any]) -> List[str]:
        """--cli-unfold-argument form: `--KeyIds a b`, `--Filters.0.Name key-name --Filters.0.Values x y`."""
        out = ["--cli-unfold-argument"]

        def walk(prefix, v):
            if isinstance(v, dict):
                for k, x in v.items():
                    walk(f"{prefix}.{k}", x)
            elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
                for i, x in enumerate(v):
                    walk(f"{prefix}.{i}", x)
            elif isinstance(v, list):
                out.extend([f"--{prefix}", *[str(x) for x in v]])
            elif isinstance(v, bool):
                out.extend([f"--{prefix}", "true" if v else "false"])
            else:
                out.extend([f"--{prefix}", str(v)])

        for k, v in _strip_none(params).items():
            walk(k, v)
        return out

    def call(self, action: str, unfold: bool = False, region: Optional[str] = None, **params) -> dict:
        argv = self.unfold_args(params) if unfold else self.json_args(params)
        r = self.run(action, *argv, region=region)
        if r.returncode != 0:
            m = _TCCLI_ERR.search(r.stderr)
            raise TccliError(r.returncode, m.group(1) if m else None, m.group(2).strip() if m else None,
                             m.group(3) if m else None, r.stderr)
        try:
            return json.loads(r.stdout)
        except ValueError:
            raise AssertionError(f"tccli cvm {action} printed no JSON: {r.stdout!r} {r.stderr!r}") from None


def expect_tccli_error(tc: Tccli, action: str, code: str, unfold: bool = False, **params) -> TccliError:
    with pytest.raises(TccliError) as ei:
        tc.call(action, unfold=unfold, **params)
    e = ei.value
    assert e.rc == 255, str(e)
    assert e.code == code, str(e)
    assert e.requestId, str(e)
    return e


# --------------------------------------------------------------------------------------------
# Raw signing (recipes/tencent_tc3_oracle.py's canonical request, used to sign)
# --------------------------------------------------------------------------------------------

def tc3_canonical_request(method: str, path: str, query: str, content_type: str, host: str, payload: bytes) -> str:
    canon_headers = f"content-type:{content_type.strip().lower()}\nhost:{host.strip()}\n"
    return "\n".join([method, path, query, canon_headers, "content-type;host", hashlib.sha256(payload).hexdigest()])


def tc3_string_to_sign(timestamp: int, date: str, canonical_request: str, service: str = SERVICE) -> str:
    return "\n".join([TC3, str(timestamp), f"{date}/{service}/tc3_request",
                      hashlib.sha256(canonical_request.encode()).hexdigest()])


def tc3_signature(secret_key: str, date: str, string_to_sign: str, service: str = SERVICE) -> str:
    k = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    k = hmac.new(k, service.encode(), hashlib.sha256).digest()
    k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
    return hmac.new(k, string_to_sign.encode(), hashlib.sha256).hexdigest()


def utc_date(timestamp: int) -> str:
    return _dt.datetime.fromtimestamp(timestamp, _dt.timezone.utc).strftime("%Y-%m-%d")


RawRequest = kw.RawRequest


def build_tc3(server: kw.KeywardServer, action: str, params: Optional[dict] = None, *,
              secret_id: Optional[str] = None, secret_key: Optional[str] = None,
              timestamp: Optional[int] = None, host: Optional[str] = None, region: Optional[str] = REGION,
              version: str = VERSION, method: str = "POST", content_type: Optional[str] = None,
              body: Optional[bytes] = None, send_body: Optional[bytes] = None, send_host: Optional[str] = None,
              query: str = "", service: str = SERVICE, authorization: Optional[str] = None,
              extra_headers: Optional[dict] = None) -> RawRequest:
    """A TC3-HMAC-SHA256 request as the SDK builds it. `send_body` / `send_host` replace what was signed (tamper);
    `authorization` replaces the whole Authorization header."""
    secret_id = server.ak if secret_id is None else secret_id
    secret_key = server.secret if secret_key is None else secret_key
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    host = host or f"127.0.0.1:{server.port}"
    if method == "GET":
        content_type = content_type or "application/x-www-form-urlencoded"
        payload = b""
        if params and not query:
            query = urlencode(params)
    else:
        content_type = content_type or JSON_CT
        payload = body if body is not None else json.dumps(params or {}).encode()
    date = utc_date(timestamp)
    creq = tc3_canonical_request(method, "/", query, content_type, host, payload)
    sig = tc3_signature(secret_key, date, tc3_string_to_sign(timestamp, date, creq, service), service)
    headers = {
        "Host": send_host or host,
        "Content-Type": content_type,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Language": "en-US",
        "X-TC-RequestClient": "keyward-interop",
        "X-TC-TraceId": str(uuid.uuid4()),
        "Authorization": authorization or (f"{TC3} Credential={secret_id}/{date}/{service}/tc3_request, "
                                           f"SignedHeaders=content-type;host, Signature={sig}"),
    }
    if region is not None:
        headers["X-TC-Region"] = region
    if extra_headers:
        headers.update(extra_headers)
    url = f"{server.base_url}/" + (f"?{query}" if query else "")
    return RawRequest(method, url, headers, send_body if send_body is not None else payload, canonical_request=creq)


def v1_string_to_sign(method: str, host: str, params: Dict[str, Any]) -> str:
    fmt = {k.replace("_", "."): v for k, v in params.items()}
    return "%s%s%s?%s" % (method, host, "/", "&".join(f"{k}={fmt[k]}" for k in sorted(fmt)))


def v1_signature(secret_key: str, string_to_sign: str, sign_method: str) -> str:
    digest = hashlib.sha1 if sign_method == "HmacSHA1" else hashlib.sha256
    return base64.b64encode(hmac.new(secret_key.encode(), string_to_sign.encode(), digest).digest()).decode()


def build_v1(server: kw.KeywardServer, action: str, params: Optional[Dict[str, Any]] = None, *,
             secret_id: Optional[str] = None, secret_key: Optional[str] = None, sign_method: str = "HmacSHA256",
             method: str = "POST", nonce: Optional[int] = None, timestamp: Optional[int] = None,
             region: Optional[str] = REGION, host: Optional[str] = None,
             tamper: Optional[Dict[str, Any]] = None) -> RawRequest:
    """A legacy (v1) request as `_build_req_with_old_signature` builds it. `params` are already flattened
    (`KeyIds.0`, `Filters.0.Values.0`). `tamper` changes parameters after signing."""
    secret_id = server.ak if secret_id is None else secret_id
    secret_key = server.secret if secret_key is None else secret_key
    host = host or f"127.0.0.1:{server.port}"
    p: Dict[str, Any] = dict(params or {})
    p.update(Action=action, RequestClient="keyward-interop", Nonce=nonce if nonce is not None else random.randint(1, sys.maxsize),
             Timestamp=int(time.time()) if timestamp is None else int(timestamp), Version=VERSION, SecretId=secret_id,
             SignatureMethod=sign_method, Language="en-US")
    if region is not None:
        p["Region"] = region
    p["Signature"] = v1_signature(secret_key, v1_string_to_sign(method, host, p), sign_method)
    if tamper:
        p.update(tamper)
    data = urlencode(p)
    headers = {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}
    if method == "GET":
        return RawRequest("GET", f"{server.base_url}/?{data}", headers)
    return RawRequest("POST", f"{server.base_url}/", headers, data.encode())


def wire_body(resp: requests.Response) -> dict:
    assert resp.status_code == 200, f"HTTP {resp.status_code} (Tencent answers every error with 200): {resp.text[:500]}"
    assert resp.headers.get("Content-Type") == JSON_CT, \
        f"Content-Type must be exactly {JSON_CT!r} (the Python SDK ignores errors otherwise): " \
        f"{resp.headers.get('Content-Type')!r}; body {resp.text[:300]}"
    body = resp.json()
    assert isinstance(body.get("Response"), dict), body
    assert body["Response"].get("RequestId"), body
    return body["Response"]


def assert_wire_error(resp: requests.Response, code: str) -> dict:
    """HTTP 200, Content-Type exactly application/json, {"Response":{"Error":{"Code","Message"},"RequestId"}}."""
    body = wire_body(resp)
    err = body.get("Error")
    assert isinstance(err, dict), f"expected {code}, got a success: {body}"
    assert err.get("Code") == code, f"expected {code}, got {err}"
    assert err.get("Message"), err
    return body


def assert_wire_ok(resp: requests.Response) -> dict:
    body = wire_body(resp)
    assert "Error" not in body, body
    return body


# --------------------------------------------------------------------------------------------
# The Alibaba view of the same region
# --------------------------------------------------------------------------------------------

def alibaba(server: kw.KeywardServer, kind: str = "tea-v3", ak: Optional[str] = None, secret: Optional[str] = None):
    """An Alibaba ECS SDK (kwhelpers) whose key-pair calls are made with RegionId=ap-guangzhou (pass region=REGION)."""
    return kw.make_sdk(kind, server, ak, secret)


def alibaba_key(sdk, name: str, region: str = REGION) -> Optional[dict]:
    found = kw.key_pairs(sdk.describe_key_pairs(region=region, name=name))
    found = [k for k in found if k["KeyPairName"] == name]
    assert len(found) <= 1, found
    return found[0] if found else None
