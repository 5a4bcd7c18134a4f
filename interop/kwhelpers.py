"""Shared helpers for the Keyward interop suite.

* KeywardServer  - start / stop / restart the server binary on a data dir.
* LegacySdk / TeaSdk - thin, uniform wrappers around the *official* Alibaba Cloud
  Python SDKs (aliyun-python-sdk-ecs = signature v1 HMAC-SHA1, alibabacloud-ecs20140526
  = ACS3-HMAC-SHA256, optionally in `signature_algorithm='v2'` mode = HMAC-SHA1).
  Every call goes through the SDK's own request classes / models; the wrappers only
  normalise the result to a dict with the wire field names, and SDK exceptions to ApiError.
* RawSigner - hand-made v1 / v3 signing with `requests`, for replay/tamper tests.
* ssh-keygen helpers.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import string
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import quote

import requests

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

VERSION = "2014-05-26"
DEFAULT_REGION = "cn-hangzhou"
REGION_MAIN = "cn-hangzhou"      # functional tests
REGION_OTHER = "cn-beijing"      # region-isolation tests
REGION_QUOTA = "cn-shanghai"     # sequential quota test only (fills the region to 500)
KNOWN_REGIONS = ("cn-hangzhou", "cn-beijing", "cn-shanghai")
QUOTA = 500

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


def scrub_proxy_env() -> None:
    for v in _PROXY_VARS:
        os.environ.pop(v, None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def random_access_key_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "LTAI" + "".join(secrets.choice(alphabet) for _ in range(20))


def random_secret() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(30))


_name_counter = 0


def uniq(prefix: str = "kw") -> str:
    """A fresh key-pair name that satisfies the CreateKeyPair rules (letters, digits, - _ :)."""
    global _name_counter
    _name_counter += 1
    assert prefix[:1].isalpha()
    return f"{prefix}-{_name_counter}-{secrets.token_hex(4)}"


def token(n: int = 6) -> str:
    """Lower-case letters + digits, starting with a letter; embedded in names for isolation."""
    return secrets.choice(string.ascii_lowercase) + secrets.token_hex(n)[: n - 1]


# --------------------------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------------------------

def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def keyward_binary() -> str:
    here = Path(__file__).resolve().parent
    return os.environ.get("KEYWARD_BIN") or str(here.parent / ".build" / "debug" / "keyward")


class KeywardServer:
    """One `keyward serve` process. stdout+stderr go to <data_dir>/server.log (appended across restarts)."""

    READY_TIMEOUT = float(os.environ.get("KEYWARD_READY_TIMEOUT", "60"))
    STOP_TIMEOUT = 30.0

    # The key pair suites need no real instances: state-only instances, no metadata listener.
    DEFAULT_ARGS = ("--driver", "simulated", "--metadata-listen", "off")

    def __init__(self, data_dir: Path, ak: str, secret: str, port: Optional[int] = None, extra_args=None):
        self.extra_args = list(self.DEFAULT_ARGS if extra_args is None else extra_args)
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.ak = ak
        self.secret = secret
        self.port = port or free_port()
        self.log_path = self.data_dir / "server.log"
        self.proc: Optional[subprocess.Popen] = None
        self.last_exit_code: Optional[int] = None
        self.binary = keyward_binary()

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> None:
        assert self.proc is None, "server already running"
        if not os.path.exists(self.binary):
            raise RuntimeError(f"keyward binary not found at {self.binary} (set KEYWARD_BIN)")
        env = dict(os.environ)
        for v in _PROXY_VARS:
            env.pop(v, None)
        env["KEYWARD_ROOT_ACCESS_KEY_ID"] = self.ak
        env["KEYWARD_ROOT_ACCESS_KEY_SECRET"] = self.secret
        start_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        logf = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--listen", self.endpoint, "--data", str(self.data_dir), *self.extra_args],
                stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT, env=env,
            )
        finally:
            logf.close()
        marker = f"listening on http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + self.READY_TIMEOUT
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[start_offset:].decode(errors="replace")
            if marker in text:
                return
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise RuntimeError(f"keyward exited early with {code}; log:\n{text[-4000:]}")
            time.sleep(0.05)
        text = self.log_path.read_bytes()[start_offset:].decode(errors="replace")
        self.kill()
        raise RuntimeError(f"keyward did not print {marker!r} within {self.READY_TIMEOUT}s; log:\n{text[-4000:]}")

    def stop(self) -> int:
        """Graceful stop (SIGTERM). Returns the exit code."""
        assert self.proc is not None, "server not running"
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=self.STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            raise AssertionError(f"keyward did not exit within {self.STOP_TIMEOUT}s of SIGTERM")
        self.proc = None
        self.last_exit_code = code
        return code

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def restart(self) -> int:
        code = self.stop()
        self.start()
        return code

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


# --------------------------------------------------------------------------------------------
# Normalised error
# --------------------------------------------------------------------------------------------

class ApiError(Exception):
    def __init__(self, sdk: str, status: int, code: str, message: str, request_id: str,
                 data: Optional[dict] = None, original: Optional[BaseException] = None):
        super().__init__(f"[{sdk}] HTTP {status} {code}: {message} (RequestId {request_id})")
        self.sdk = sdk
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.data = data
        self.original = original


# --------------------------------------------------------------------------------------------
# SDK wrappers
# --------------------------------------------------------------------------------------------

_DEFAULT = object()  # "send the SDK's default region" marker


class LegacySdk:
    """aliyun-python-sdk-core + aliyun-python-sdk-ecs (signature v1, HMAC-SHA1)."""

    name = "legacy"
    sends_region_always = True

    def __init__(self, host: str, port: int, ak: str, secret: str, region: str = DEFAULT_REGION):
        from aliyunsdkcore.client import AcsClient
        self.host, self.port, self.ak, self.secret = host, port, ak, secret
        self.client = AcsClient(ak, secret, region, port=port, connect_timeout=10, timeout=120,
                                auto_retry=False, pool_size=40)
        self.last_request = None

    # -- plumbing ------------------------------------------------------------------------
    def _call(self, req, region=_DEFAULT) -> dict:
        from aliyunsdkcore.acs_exception.exceptions import ServerException
        req.set_endpoint(self.host)
        req.set_protocol_type("http")
        if region is not _DEFAULT and region is not None:
            req.add_query_param("RegionId", region)
        self.last_request = req
        try:
            body = self.client.do_action_with_exception(req)
        except ServerException as e:
            raise ApiError(self.name, e.get_http_status(), e.get_error_code(), e.get_error_msg(),
                           e.get_request_id(), original=e) from None
        return json.loads(body)

    @staticmethod
    def _tags(tags):
        return [{"Key": k, "Value": v} for k, v in tags]

    def _mod(self, cls_name: str):
        import importlib
        mod = importlib.import_module(f"aliyunsdkecs.request.v20140526.{cls_name}")
        return getattr(mod, cls_name)()

    # -- operations ----------------------------------------------------------------------
    def create_key_pair(self, name=None, region=_DEFAULT, tags=None) -> dict:
        req = self._mod("CreateKeyPairRequest")
        if name is not None:
            req.set_KeyPairName(name)
        if tags:
            req.set_Tags(self._tags(tags))
        return self._call(req, region)

    def import_key_pair(self, name=None, public_key=None, region=_DEFAULT, tags=None) -> dict:
        req = self._mod("ImportKeyPairRequest")
        if name is not None:
            req.set_KeyPairName(name)
        if public_key is not None:
            req.set_PublicKeyBody(public_key)
        if tags:
            req.set_Tags(self._tags(tags))
        return self._call(req, region)

    def describe_key_pairs(self, region=_DEFAULT, name=None, fingerprint=None, page_number=None,
                           page_size=None, include_public_key=None, tags=None) -> dict:
        req = self._mod("DescribeKeyPairsRequest")
        if name is not None:
            req.set_KeyPairName(name)
        if fingerprint is not None:
            req.set_KeyPairFingerPrint(fingerprint)
        if page_number is not None:
            req.set_PageNumber(page_number)
        if page_size is not None:
            req.set_PageSize(page_size)
        if include_public_key is not None:
            req.set_IncludePublicKey(include_public_key)
        if tags:
            req.set_Tags(self._tags(tags))
        return self._call(req, region)

    def delete_key_pairs(self, names_json=None, region=_DEFAULT) -> dict:
        req = self._mod("DeleteKeyPairsRequest")
        if names_json is not None:
            req.set_KeyPairNames(names_json)
        return self._call(req, region)

    def tag_resources(self, resource_ids, tags, region=_DEFAULT, resource_type="keypair") -> dict:
        req = self._mod("TagResourcesRequest")
        if resource_type is not None:
            req.set_ResourceType(resource_type)
        if resource_ids:
            req.set_ResourceIds(list(resource_ids))
        if tags:
            req.set_Tags(self._tags(tags))
        return self._call(req, region)

    def untag_resources(self, resource_ids, tag_keys=None, all_=None, region=_DEFAULT,
                        resource_type="keypair") -> dict:
        req = self._mod("UntagResourcesRequest")
        if resource_type is not None:
            req.set_ResourceType(resource_type)
        if resource_ids:
            req.set_ResourceIds(list(resource_ids))
        if tag_keys:
            req.set_TagKeys(list(tag_keys))
        if all_ is not None:
            req.set_All(all_)
        return self._call(req, region)

    def list_tag_resources(self, resource_ids=None, tags=None, next_token=None, region=_DEFAULT,
                           resource_type="keypair") -> dict:
        req = self._mod("ListTagResourcesRequest")
        if resource_type is not None:
            req.set_ResourceType(resource_type)
        if resource_ids:
            req.set_ResourceIds(list(resource_ids))
        if tags:
            req.set_Tags(self._tags(tags))
        if next_token:
            req.set_NextToken(next_token)
        return self._call(req, region)

    def describe_regions(self) -> dict:
        return self._call(self._mod("DescribeRegionsRequest"))

    def call_generic(self, action: str, params: Dict[str, str], version: str = VERSION) -> dict:
        from aliyunsdkcore.request import CommonRequest
        req = CommonRequest(domain=self.host, version=version, action_name=action)
        req.set_method("POST")
        req.set_protocol_type("http")
        for k, v in params.items():
            req.add_query_param(k, v)
        from aliyunsdkcore.acs_exception.exceptions import ServerException
        try:
            return json.loads(self.client.do_action_with_exception(req))
        except ServerException as e:
            raise ApiError(self.name, e.get_http_status(), e.get_error_code(), e.get_error_msg(),
                           e.get_request_id(), original=e) from None


class TeaSdk:
    """alibabacloud-ecs20140526 on alibabacloud-tea-openapi. mode 'v3' = ACS3-HMAC-SHA256 (default),
    mode 'v2' = Config.signature_algorithm='v2' (HMAC-SHA1 RPC signing)."""

    sends_region_always = False

    def __init__(self, host: str, port: int, ak: str, secret: str, mode: str = "v3",
                 region: str = DEFAULT_REGION):
        from alibabacloud_tea_openapi.models import Config
        from alibabacloud_ecs20140526.client import Client
        self.host, self.port, self.ak, self.secret, self.mode = host, port, ak, secret, mode
        self.name = "tea-" + mode
        cfg = Config(access_key_id=ak, access_key_secret=secret, region_id=region,
                     endpoint=f"{host}:{port}", protocol="http", read_timeout=120000,
                     connect_timeout=10000)
        if mode == "v2":
            cfg.signature_algorithm = "v2"
        self.client = Client(cfg)

    def _call(self, fn, req) -> dict:
        from alibabacloud_tea_openapi import exceptions as oe
        try:
            resp = fn(req)
        except (oe.ClientException, oe.ServerException, oe.ThrottlingException) as e:
            raise ApiError(self.name, e.status_code, e.code, e.message, e.request_id,
                           data=getattr(e, "data", None), original=e) from None
        self.last_response = resp
        assert resp.status_code == 200, resp.status_code
        return resp.body.to_map()

    @staticmethod
    def _region(region):
        return DEFAULT_REGION if region is _DEFAULT else region

    def create_key_pair(self, name=None, region=_DEFAULT, tags=None) -> dict:
        from alibabacloud_ecs20140526 import models as m
        req = m.CreateKeyPairRequest(region_id=self._region(region), key_pair_name=name)
        if tags:
            req.tag = [m.CreateKeyPairRequestTag(key=k, value=v) for k, v in tags]
        return self._call(self.client.create_key_pair, req)

    def import_key_pair(self, name=None, public_key=None, region=_DEFAULT, tags=None) -> dict:
        from alibabacloud_ecs20140526 import models as m
        req = m.ImportKeyPairRequest(region_id=self._region(region), key_pair_name=name,
                                     public_key_body=public_key)
        if tags:
            req.tag = [m.ImportKeyPairRequestTag(key=k, value=v) for k, v in tags]
        return self._call(self.client.import_key_pair, req)

    def describe_key_pairs(self, region=_DEFAULT, name=None, fingerprint=None, page_number=None,
                           page_size=None, include_public_key=None, tags=None) -> dict:
        from alibabacloud_ecs20140526 import models as m
        req = m.DescribeKeyPairsRequest(region_id=self._region(region), key_pair_name=name,
                                        key_pair_finger_print=fingerprint, page_number=page_number,
                                        page_size=page_size, include_public_key=include_public_key)
        if tags:
            req.tag = [m.DescribeKeyPairsRequestTag(key=k, value=v) for k, v in tags]
        return self._call(self.client.describe_key_pairs, req)

    def delete_key_pairs(self, names_json=None, region=_DEFAULT) -> dict:
        from alibabacloud_ecs20140526 import models as m
        req = m.DeleteKeyPairsRequest(region_id=self._region(region), key_pair_names=names_json)
        return self._call(self.client.delete_key_pairs, req)

    def tag_resources(self, resource_ids, tags, region=_DEFAULT, resource_type="keypair") -> dict:
        from alibabacloud_ecs20140526 import models as m
        req = m.TagResourcesRequest(region_id=self._region(region), resource_type=resource_type,
                                    resource_id=list(resource_ids) if resource_ids else None,
                                    tag=[m.TagResourcesRequestTag(key=k, value=v) for k, v in (tags or [])] or None)
        return self._call(self.client.tag_resources, req)

    def untag_resources(self, resource_ids, tag_keys=None, all_=None, region=_DEFAULT,
                        resource_type="keypair") -> dict:
        from alibabacloud_ecs20140526 import models as m
        req = m.UntagResourcesRequest(region_id=self._region(region), resource_type=resource_type,
                                      resource_id=list(resource_ids) if resource_ids else None,
                                      tag_key=list(tag_keys) if tag_keys else None, all=all_)
        return self._call(self.client.untag_resources, req)

    def list_tag_resources(self, resource_ids=None, tags=None, next_token=None, region=_DEFAULT,
                           resource_type="keypair") -> dict:
        from alibabacloud_ecs20140526 import models as m
        req = m.ListTagResourcesRequest(region_id=self._region(region), resource_type=resource_type,
                                        resource_id=list(resource_ids) if resource_ids else None,
                                        next_token=next_token,
                                        tag=[m.ListTagResourcesRequestTag(key=k, value=v) for k, v in (tags or [])] or None)
        return self._call(self.client.list_tag_resources, req)

    def describe_regions(self) -> dict:
        from alibabacloud_ecs20140526 import models as m
        return self._call(self.client.describe_regions, m.DescribeRegionsRequest())

    def call_generic(self, action: str, params: Dict[str, str], version: str = VERSION) -> dict:
        from alibabacloud_tea_openapi import utils_models as um
        from alibabacloud_tea_openapi import exceptions as oe
        from darabonba.runtime import RuntimeOptions
        p = um.Params(action=action, version=version, protocol="HTTP", pathname="/", method="POST",
                      auth_type="AK", style="RPC", req_body_type="formData", body_type="json")
        try:
            return self.client.call_api(p, um.OpenApiRequest(query=dict(params)), RuntimeOptions())["body"]
        except (oe.ClientException, oe.ServerException) as e:
            raise ApiError(self.name, e.status_code, e.code, e.message, e.request_id,
                           data=getattr(e, "data", None), original=e) from None


SDK_NAMES = ("legacy", "tea-v3", "tea-v2")


def make_sdk(kind: str, server: KeywardServer, ak: Optional[str] = None, secret: Optional[str] = None):
    ak = server.ak if ak is None else ak
    secret = server.secret if secret is None else secret
    if kind == "legacy":
        return LegacySdk(server.host, server.port, ak, secret)
    if kind == "tea-v3":
        return TeaSdk(server.host, server.port, ak, secret, mode="v3")
    if kind == "tea-v2":
        return TeaSdk(server.host, server.port, ak, secret, mode="v2")
    raise ValueError(kind)


# --------------------------------------------------------------------------------------------
# Response helpers
# --------------------------------------------------------------------------------------------

def key_pairs(resp: dict) -> List[dict]:
    return ((resp.get("KeyPairs") or {}).get("KeyPair")) or []


def names_of(resp: dict) -> List[str]:
    return [k["KeyPairName"] for k in key_pairs(resp)]


def tags_of(kp: dict) -> Dict[str, str]:
    return {t["TagKey"]: t.get("TagValue", "") for t in ((kp.get("Tags") or {}).get("Tag") or [])}


def tag_resources_of(resp: dict) -> List[dict]:
    return ((resp.get("TagResources") or {}).get("TagResource")) or []


def describe_all(sdk, region, name=None, **kw) -> List[dict]:
    out, page = [], 1
    while True:
        r = sdk.describe_key_pairs(region=region, name=name, page_number=page, page_size=50, **kw)
        kps = key_pairs(r)
        out.extend(kps)
        if len(kps) < 50 or len(out) >= int(r["TotalCount"]):
            return out
        page += 1


# --------------------------------------------------------------------------------------------
# Raw signing (independent re-implementation of both schemes, per the reference doc)
# --------------------------------------------------------------------------------------------

def pct(s: str) -> str:
    """RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ left as is."""
    return quote(s, safe="~")


def utc_now_str(offset_seconds: float = 0) -> str:
    t = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=offset_seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_string_to_sign(method: str, params: Dict[str, str]) -> str:
    items = sorted((k, v) for k, v in params.items() if k != "Signature")
    cq = "&".join(f"{pct(k)}={pct(v)}" for k, v in items)
    return f"{method}&{pct('/')}&{pct(cq)}"


def v1_sign(method: str, params: Dict[str, str], secret: str) -> Tuple[str, str]:
    sts = v1_string_to_sign(method, params)
    sig = base64.b64encode(hmac.new((secret + "&").encode(), sts.encode(), hashlib.sha1).digest()).decode()
    return sig, sts


def v3_canonical_request(method: str, path: str, query: Dict[str, str], headers: Dict[str, str],
                         signed: List[str], payload_hash: str) -> str:
    cq = "&".join(f"{pct(k)}={pct(v)}" for k, v in sorted(query.items()))
    ch = "".join(f"{h}:{headers[h].strip()}\n" for h in signed)
    return f"{method}\n{path}\n{cq}\n{ch}\n{';'.join(signed)}\n{payload_hash}"


def v3_sign(method: str, path: str, query: Dict[str, str], headers: Dict[str, str], secret: str,
            payload: bytes = b"") -> Tuple[str, List[str], str]:
    lower = {k.lower(): v for k, v in headers.items()}
    signed = sorted(lower)
    payload_hash = hashlib.sha256(payload).hexdigest()
    creq = v3_canonical_request(method, path, query, lower, signed, payload_hash)
    sts = "ACS3-HMAC-SHA256\n" + hashlib.sha256(creq.encode()).hexdigest()
    sig = hmac.new(secret.encode(), sts.encode(), hashlib.sha256).hexdigest()
    return sig, signed, creq


@dataclass
class RawRequest:
    method: str
    url: str
    headers: Dict[str, str]
    body: bytes = b""
    string_to_sign: str = ""
    params: Dict[str, str] = field(default_factory=dict)
    # TC3's canonical request (Tencent), as the server must rebuild it.
    canonical_request: str = ""

    def send(self, session: Optional[requests.Session] = None) -> requests.Response:
        s = session or requests
        return s.request(self.method, self.url, headers=self.headers, data=self.body or None,
                         timeout=120, allow_redirects=False)


def build_v1(base_url: str, action: str, params: Dict[str, str], ak: str, secret: str, *,
             nonce: Optional[str] = None, timestamp: Optional[str] = None, region: Optional[str] = DEFAULT_REGION,
             version: str = VERSION, method: str = "POST", body_params: Optional[Dict[str, str]] = None,
             extra_after_sign: Optional[Dict[str, str]] = None, override_after_sign: Optional[Dict[str, str]] = None,
             sign_secret: Optional[str] = None) -> RawRequest:
    p: Dict[str, str] = {
        "Action": action, "Version": version, "Format": "JSON",
        "Timestamp": timestamp or utc_now_str(),
        "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
        "SignatureNonce": nonce or uuid.uuid4().hex, "AccessKeyId": ak,
    }
    if region is not None:
        p["RegionId"] = region
    p.update(params)
    all_signed = dict(p)
    if body_params:
        all_signed.update(body_params)
    sig, sts = v1_sign(method, all_signed, secret if sign_secret is None else sign_secret)
    p["Signature"] = sig
    if override_after_sign:
        p.update(override_after_sign)
    if extra_after_sign:
        p.update(extra_after_sign)
    qs = "&".join(f"{pct(k)}={pct(v)}" for k, v in p.items())
    headers = {"x-acs-action": action, "x-acs-version": version}
    body = b""
    if body_params:
        body = "&".join(f"{pct(k)}={pct(v)}" for k, v in body_params.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return RawRequest(method, f"{base_url}/?{qs}", headers, body, sts, p)


def build_v3(base_url: str, host: str, action: str, query: Dict[str, str], ak: str, secret: str, *,
             nonce: Optional[str] = None, date: Optional[str] = None, version: str = VERSION,
             method: str = "POST", body: bytes = b"", content_type: Optional[str] = None,
             extra_headers: Optional[Dict[str, str]] = None) -> RawRequest:
    headers = {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": date or utc_now_str(),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        "accept": "application/json",
        "user-agent": "keyward-interop/1.0",
    }
    if content_type:
        headers["content-type"] = content_type
    if extra_headers:
        headers.update({k.lower(): v for k, v in extra_headers.items()})
    sig, signed, creq = v3_sign(method, "/", query, headers, secret, body)
    headers["Authorization"] = (f"ACS3-HMAC-SHA256 Credential={ak},SignedHeaders={';'.join(signed)},"
                                f"Signature={sig}")
    qs = "&".join(f"{pct(k)}={pct(v)}" for k, v in query.items())
    url = f"{base_url}/" + (f"?{qs}" if qs else "")
    return RawRequest(method, url, headers, body, creq, dict(query))


# --------------------------------------------------------------------------------------------
# ssh-keygen helpers
# --------------------------------------------------------------------------------------------

def run(cmd: List[str], **kw) -> str:
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{cmd} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def ssh_md5_fingerprint(path: Path) -> str:
    """`ssh-keygen -l -E md5 -f path` without the MD5: prefix (works for public, private and cert files)."""
    out = run(["ssh-keygen", "-l", "-E", "md5", "-f", str(path)])
    fp = out.split()[1]
    assert fp.startswith("MD5:"), out
    return fp[4:]


def public_text_fingerprint(text: str, workdir: Path) -> str:
    """Fingerprint of a public key given in any of the textual forms ssh-keygen understands."""
    workdir.mkdir(parents=True, exist_ok=True)
    f = workdir / f"pk-{secrets.token_hex(6)}.pub"
    t = text.strip()
    if t.startswith("---- BEGIN SSH2 PUBLIC KEY"):
        f.write_text(t + "\n")
        f.write_text(run(["ssh-keygen", "-i", "-m", "RFC4716", "-f", str(f)]))
    elif t.startswith("-----BEGIN PUBLIC KEY"):
        f.write_text(t + "\n")
        f.write_text(run(["ssh-keygen", "-i", "-m", "PKCS8", "-f", str(f)]))
    else:
        f.write_text(t + "\n")
    return ssh_md5_fingerprint(f)


def openssh_blob(line: str) -> Tuple[str, str]:
    """(type, base64 blob) of an OpenSSH one-line public key."""
    parts = line.strip().split()
    return parts[0], parts[1]


def md5_colon(blob: bytes) -> str:
    h = hashlib.md5(blob).hexdigest()
    return ":".join(h[i:i + 2] for i in range(0, 32, 2))


def gen_ed25519_openssh() -> str:
    """A fresh ed25519 public key in OpenSSH one-line form, generated in-process (fast)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from cryptography.hazmat.primitives import serialization as s
    k = ed25519.Ed25519PrivateKey.generate()
    return k.public_key().public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH).decode()


def openssh_line_fingerprint(line: str) -> str:
    return md5_colon(base64.b64decode(openssh_blob(line)[1]))
