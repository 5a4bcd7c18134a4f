"""Helpers for the access-control interop suites (test_ram.py, test_access_gate.py, test_sts.py,
test_resource_directory.py, test_actiontrail.py).

Written to Alibaba Cloud's documented behaviour (shared/reference/alibaba-ram-sts-rd.md), not to Keyward's code.

* TeaProduct  - one official Tea client (alibabacloud-ram20150501, -sts20150401, -resourcemanager20200331,
  -actiontrail20200706) pointed at the Keyward server. `call("CreateUser", UserName=...)` builds the SDK's own
  request model from the wire names (`<Action>Request().from_map(...)`), calls the SDK's `<action>_with_options`
  method and returns `response.body.to_map()`; the raw body as it came over the wire is kept in `last_raw`.
* V1Product   - the same through the V1 request classes (aliyun-python-sdk-ram / -sts / -resourcemanager /
  -actiontrail): every parameter goes through the class's own `set_<Name>` setter; the body is parsed as JSON.
* V1Ecs / tea_ecs - the ECS SDKs (instance_helpers.LegacyEcs / TeaEcs) with any credentials, including STS ones
  (V1 StsTokenCredential; Tea Config(security_token=...)); V1 errors keep the raw error body in `data`.
* AccessError - kwhelpers.ApiError plus `status_code` and `access_denied_detail` (Tea: the SDK's own
  `ClientException.access_denied_detail`; V1: the body's AccessDeniedDetail).
* new_ram_user / new_role / assume_role / custom policies, and waiting helpers for instances and images.
"""
from __future__ import annotations

import datetime as _dt
import importlib
import inspect
import json
import time
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import pytest

import instance_helpers as ih
import kwhelpers as kw

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

ACCOUNT_ID = "1000000000000001"
ROOT_ARN = f"acs:ram::{ACCOUNT_ID}:root"
REGION = kw.DEFAULT_REGION
LINUX_IMAGE = ih.LINUX_IMAGE           # "debian_12_x64_keyward.vhd"
INSTANCE_TYPE = ih.INSTANCE_TYPE       # "ecs.g7.large"
ROOT_PASSWORD = "Kw-Passw0rd!23"

SYSTEM_POLICIES = ("AdministratorAccess", "AliyunECSFullAccess", "AliyunECSReadOnlyAccess", "AliyunESSFullAccess",
                   "AliyunRAMFullAccess", "AliyunSTSAssumeRoleAccess")

# The deny policy of the task: no launch / system-disk replacement that inherits the image's password.
SEED_POLICY = ('{"Version":"1","Statement":[{"Action":["ecs:RunInstances","ecs:CreateInstance","ecs:ReplaceSystemDisk"],'
               '"Resource":"*","Condition":{"Bool":{"ecs:PasswordInherit":["true"]}},"Effect":"Deny"}]}')


def trust_account(account_id: str = ACCOUNT_ID) -> str:
    """A role trust policy that trusts a whole account (TF role tests)."""
    return json.dumps({"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                      "Principal": {"RAM": [f"acs:ram::{account_id}:root"]}}], "Version": "1"},
                      separators=(",", ":"))


def policy_doc(*statements: dict) -> str:
    return json.dumps({"Version": "1", "Statement": list(statements)}, separators=(",", ":"))


def allow(action: Union[str, Sequence[str]], resource: Union[str, Sequence[str]] = "*", condition: Optional[dict] = None) -> dict:
    st = {"Effect": "Allow", "Action": action if isinstance(action, str) else list(action),
          "Resource": resource if isinstance(resource, str) else list(resource)}
    if condition:
        st["Condition"] = condition
    return st


def deny(action: Union[str, Sequence[str]], resource: Union[str, Sequence[str]] = "*", condition: Optional[dict] = None) -> dict:
    st = allow(action, resource, condition)
    st["Effect"] = "Deny"
    return st


def role_arn(role_name: str, account_id: str = ACCOUNT_ID) -> str:
    return f"acs:ram::{account_id}:role/{role_name}"


def utc(offset_seconds: float = 0) -> str:
    return kw.utc_now_str(offset_seconds)


def parse_utc(text: str) -> _dt.datetime:
    return _dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc)


def name(prefix: str) -> str:
    """A unique RAM-style name (letters, digits, '-'): prefix-<token>."""
    return f"{prefix}-{kw.token(8)}"


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

class AccessError(kw.ApiError):
    """kwhelpers.ApiError with the Tea exception's fields: status_code (== status), access_denied_detail."""

    def __init__(self, sdk: str, status: int, code: str, message: str, request_id: str, data: Optional[dict] = None,
                 access_denied_detail: Optional[dict] = None, original: Optional[BaseException] = None):
        super().__init__(sdk, status, code, message, request_id, data=data, original=original)
        self.status_code = status
        self.access_denied_detail = access_denied_detail


def _from_tea(sdk: str, e) -> AccessError:
    return AccessError(sdk, e.status_code, e.code, e.message, getattr(e, "request_id", None),
                       data=getattr(e, "data", None), access_denied_detail=getattr(e, "access_denied_detail", None),
                       original=e)


def denied_detail(e: kw.ApiError) -> Optional[dict]:
    """AccessDeniedDetail of a refused call, whichever SDK raised it."""
    detail = getattr(e, "access_denied_detail", None)
    if detail is None and e.original is not None:
        detail = getattr(e.original, "access_denied_detail", None)
    if detail is None and isinstance(e.data, dict):
        detail = e.data.get("AccessDeniedDetail") or e.data.get("accessDeniedDetail")
    return detail


def expect_error(fn, code: str, status: Optional[int], *a, **k) -> kw.ApiError:
    """fn(*a, **k) must fail with exactly `code` (and `status` unless None); returns the error."""
    with pytest.raises(kw.ApiError) as ei:
        fn(*a, **k)
    e = ei.value
    assert e.code == code, str(e)
    if status is not None:
        assert e.status == status, str(e)
    else:
        assert 400 <= int(e.status) < 500, str(e)
    assert e.request_id and e.request_id != "None", str(e)
    return e


def expect_forbidden(fn, *a, action: Optional[str] = None, deny_type: Optional[str] = None,
                     policy_type: Optional[str] = None, principal_type: Optional[str] = None,
                     owner: Optional[str] = ACCOUNT_ID, **k) -> kw.ApiError:
    """An ECS call refused by RAM: 403 Forbidden.RAM with an AccessDeniedDetail that says why."""
    e = expect_error(fn, "Forbidden.RAM", 403, *a, **k)
    detail = denied_detail(e)
    assert isinstance(detail, dict) and detail, f"no AccessDeniedDetail in {e} / {e.data}"
    if action is not None:
        assert detail.get("AuthAction") == action, detail
    if deny_type is not None:
        assert detail.get("NoPermissionType") == deny_type, detail
    if policy_type is not None:
        assert detail.get("PolicyType") == policy_type, detail
    if principal_type is not None:
        assert detail.get("AuthPrincipalType") == principal_type, detail
    if owner is not None:
        assert str(detail.get("AuthPrincipalOwnerId")) == owner, detail
    return e


def not_forbidden(fn, *a, **k) -> Tuple[Optional[dict], Optional[kw.ApiError]]:
    """Runs an ECS call that access control must let through: returns (reply, None) or (None, error) for an error
    that is not an access refusal."""
    try:
        return fn(*a, **k), None
    except kw.ApiError as e:
        assert e.code not in ("Forbidden.RAM", "NoPermission", "NotAuthorized") and e.status != 403, str(e)
        return None, e


# --------------------------------------------------------------------------------------------
# Tea clients (RAM, STS, ResourceManager, ActionTrail)
# --------------------------------------------------------------------------------------------

TEA_MODULES = {
    "ram": "alibabacloud_ram20150501",
    "sts": "alibabacloud_sts20150401",
    "rm": "alibabacloud_resourcemanager20200331",
    "trail": "alibabacloud_actiontrail20200706",
    "ecs": "alibabacloud_ecs20140526",
    "ess": "alibabacloud_ess20220222",
}


class TeaProduct:
    """One Tea product client against a Keyward server; call(Action, **wire_params) -> body.to_map()."""

    def __init__(self, product: str, server, ak: Optional[str] = None, secret: Optional[str] = None,
                 token: Optional[str] = None, mode: str = "v3"):
        from alibabacloud_tea_openapi.models import Config
        self.product = product
        self.name = f"tea-{product}-{mode}"
        pkg = TEA_MODULES[product]
        client_cls = importlib.import_module(f"{pkg}.client").Client
        self.models = importlib.import_module(f"{pkg}.models")
        cfg = Config(access_key_id=server.ak if ak is None else ak,
                     access_key_secret=server.secret if secret is None else secret,
                     endpoint=f"127.0.0.1:{server.port}", protocol="http", region_id=REGION,
                     read_timeout=120000, connect_timeout=10000)
        if token is not None:
            cfg.security_token = token
        if mode == "v2":
            cfg.signature_algorithm = "v2"

        outer = self

        class Recording(client_cls):
            def call_api(self, params, request, runtime):
                outer.last_raw = None
                result = super().call_api(params, request, runtime)
                outer.last_raw = result.get("body") if isinstance(result, dict) else None
                return result

        self.client = Recording(cfg)
        self.last_raw: Optional[dict] = None
        self._methods = {n[: -len("_with_options")].replace("_", ""): n for n in dir(self.client)
                         if n.endswith("_with_options") and not n.endswith("_async")}

    def method_for(self, action: str) -> str:
        return self._methods[action.lower()]

    def call(self, action: str, **params) -> dict:
        from alibabacloud_tea_openapi import exceptions as oe
        from darabonba.runtime import RuntimeOptions
        fn = getattr(self.client, self.method_for(action))
        # The request parameter is `request`, or `tmp_req` for requests whose lists the SDK flattens.
        wants_request = any(name != "runtime" for name in inspect.signature(fn).parameters)
        try:
            if wants_request:
                req = getattr(self.models, f"{action}Request")().from_map(
                    {k: v for k, v in params.items() if v is not None})
                resp = fn(req, RuntimeOptions())
            else:
                assert not params, f"{action} takes no parameters in the Tea SDK"
                resp = fn(RuntimeOptions())
        except (oe.ClientException, oe.ServerException, oe.ThrottlingException) as e:
            raise _from_tea(self.name, e) from None
        assert resp.status_code == 200, resp.status_code
        return resp.body.to_map()

    def __getattr__(self, item):
        # ram.CreateUser(UserName=...) is ram.call("CreateUser", UserName=...)
        if item[:1].isupper():
            return lambda **params: self.call(item, **params)
        raise AttributeError(item)


def tea_ram(server, ak=None, secret=None, token=None, mode="v3") -> TeaProduct:
    return TeaProduct("ram", server, ak, secret, token, mode)


def tea_sts(server, ak=None, secret=None, token=None, mode="v3") -> TeaProduct:
    return TeaProduct("sts", server, ak, secret, token, mode)


def tea_rm(server, ak=None, secret=None, token=None, mode="v3") -> TeaProduct:
    return TeaProduct("rm", server, ak, secret, token, mode)


def tea_trail(server, ak=None, secret=None, token=None, mode="v3") -> TeaProduct:
    return TeaProduct("trail", server, ak, secret, token, mode)


# --------------------------------------------------------------------------------------------
# V1 clients (aliyun-python-sdk-*)
# --------------------------------------------------------------------------------------------

V1_PACKAGES = {
    "ram": ("aliyunsdkram", "v20150501"),
    "sts": ("aliyunsdksts", "v20150401"),
    "rm": ("aliyunsdkresourcemanager", "v20200331"),
    "trail": ("aliyunsdkactiontrail", "v20200706"),
    "ecs": ("aliyunsdkecs", "v20140526"),
}


def _v1_client(server, ak, secret, token):
    from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
    from aliyunsdkcore.client import AcsClient
    cred = StsTokenCredential(ak, secret, token) if token is not None else AccessKeyCredential(ak, secret)
    return AcsClient(region_id=REGION, credential=cred, port=server.port, connect_timeout=10, timeout=120,
                     auto_retry=False, pool_size=20)


def _v1_do(sdk_name: str, client, req) -> dict:
    """Sends a V1 request over plain http to 127.0.0.1; errors keep the raw JSON error body in `data`."""
    req.set_endpoint("127.0.0.1")
    req.set_protocol_type("http")
    req.set_accept_format("JSON")
    status, _headers, body, exc = client._implementation_of_do_action(req)
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else (body or "")
    if exc is not None:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        detail = None
        if isinstance(data, dict):
            detail = data.get("AccessDeniedDetail") or data.get("accessDeniedDetail")
        raise AccessError(sdk_name, exc.get_http_status(), exc.get_error_code(), exc.get_error_msg(),
                          exc.get_request_id(), data=data, access_denied_detail=detail, original=exc)
    return json.loads(text)


class V1Product:
    """call(Action, **wire_params): the V1 request class `<Action>Request`, each parameter through `set_<Name>`."""

    def __init__(self, product: str, server, ak: Optional[str] = None, secret: Optional[str] = None,
                 token: Optional[str] = None):
        self.product = product
        self.name = f"v1-{product}"
        self.package, self.version = V1_PACKAGES[product]
        self.client = _v1_client(server, server.ak if ak is None else ak, server.secret if secret is None else secret,
                                 token)
        self.last_request = None

    def request(self, action: str, **params):
        mod = importlib.import_module(f"{self.package}.request.{self.version}.{action}Request")
        req = getattr(mod, f"{action}Request")()
        for k, v in params.items():
            if v is None:
                continue
            setter = getattr(req, f"set_{k}", None)
            assert setter is not None, f"{self.package} {action}Request has no set_{k}"
            setter(v)
        return req

    def call(self, action: str, **params) -> dict:
        req = self.request(action, **params)
        self.last_request = req
        return _v1_do(self.name, self.client, req)

    def __getattr__(self, item):
        if item[:1].isupper():
            return lambda **params: self.call(item, **params)
        raise AttributeError(item)


def v1_ram(server, ak=None, secret=None, token=None) -> V1Product:
    return V1Product("ram", server, ak, secret, token)


def v1_sts(server, ak=None, secret=None, token=None) -> V1Product:
    return V1Product("sts", server, ak, secret, token)


def v1_rm(server, ak=None, secret=None, token=None) -> V1Product:
    return V1Product("rm", server, ak, secret, token)


def v1_trail(server, ak=None, secret=None, token=None) -> V1Product:
    return V1Product("trail", server, ak, secret, token)


def v1_bool(value: bool) -> str:
    """V1 callers send JSON-style booleans: 'true' / 'false'."""
    return "true" if value else "false"


RAM_KINDS = ("v1", "tea-v3")
SDK_KINDS = ("v1", "tea-v3", "tea-v2")


def ram_client(kind: str, server, ak=None, secret=None, token=None):
    return v1_ram(server, ak, secret, token) if kind == "v1" else tea_ram(server, ak, secret, token, kind[4:])


def sts_client(kind: str, server, ak=None, secret=None, token=None):
    return v1_sts(server, ak, secret, token) if kind == "v1" else tea_sts(server, ak, secret, token, kind[4:])


def sdk_bool(kind: str, value: bool):
    """A boolean parameter the way each SDK sends it: V1 'true'/'false', Tea Python True/False ('True'/'False')."""
    return v1_bool(value) if kind == "v1" else value


# --------------------------------------------------------------------------------------------
# ECS clients with any credentials
# --------------------------------------------------------------------------------------------

class V1Ecs(ih.LegacyEcs):
    """aliyun-python-sdk-ecs with AccessKey or STS credentials; errors carry the raw body (AccessDeniedDetail)."""

    name = "v1-ecs"

    def __init__(self, server, ak: Optional[str] = None, secret: Optional[str] = None, token: Optional[str] = None):
        self.host, self.port = server.host, server.port
        self.ak = server.ak if ak is None else ak
        self.secret = server.secret if secret is None else secret
        self.client = _v1_client(server, self.ak, self.secret, token)
        self.last_request = None
        self.last_body: Optional[dict] = None

    def _call(self, req, region=kw._DEFAULT) -> dict:
        if region is not kw._DEFAULT and region is not None:
            req.add_query_param("RegionId", region)
        self.last_request = req
        body = _v1_do(self.name, self.client, req)
        self.last_body = body
        return body

    def call(self, action: str, **params) -> dict:
        req = self._mod(f"{action}Request")
        for k, v in params.items():
            if v is not None:
                getattr(req, "set_" + k)(v)
        return self._call(req)


class TeaAccessEcs(ih.TeaEcs):
    """alibabacloud_ecs20140526 with AccessKey or STS credentials; errors carry access_denied_detail."""

    def __init__(self, server, ak: Optional[str] = None, secret: Optional[str] = None, token: Optional[str] = None,
                 mode: str = "v3"):
        from alibabacloud_tea_openapi.models import Config
        ak = server.ak if ak is None else ak
        secret = server.secret if secret is None else secret
        super().__init__(server.host, server.port, ak, secret, mode=mode)
        if token is not None:
            cfg = Config(access_key_id=ak, access_key_secret=secret, security_token=token, region_id=REGION,
                         endpoint=f"127.0.0.1:{server.port}", protocol="http", read_timeout=120000,
                         connect_timeout=10000)
            if mode == "v2":
                cfg.signature_algorithm = "v2"
            self.client = ih._recording_client_class()(cfg)

    def _call(self, fn, req) -> dict:
        try:
            return super()._call(fn, req)
        except kw.ApiError as e:
            if e.original is not None and hasattr(e.original, "status_code"):
                raise _from_tea(self.name, e.original) from None
            raise

    def call(self, action: str, **params) -> dict:
        """Any ECS action through the SDK's own model: call('ReplaceSystemDisk', InstanceId=..., PasswordInherit=True)."""
        snake = {n[: -len("_with_options")].replace("_", ""): n[: -len("_with_options")]
                 for n in dir(self.client) if n.endswith("_with_options") and not n.endswith("_async")}
        method = snake[action.lower()]
        req = getattr(self.m, f"{action}Request")().from_map({k: v for k, v in params.items() if v is not None})
        return self._call(getattr(self.client, method), req)


ECS_KINDS = ("v1", "tea-v3", "tea-v2")


def ecs_client(kind: str, server, ak=None, secret=None, token=None):
    if kind == "v1":
        return V1Ecs(server, ak, secret, token)
    return TeaAccessEcs(server, ak, secret, token, mode=kind[4:])


def root_ecs(server, kind: str = "tea-v3"):
    return ecs_client(kind, server)


# --------------------------------------------------------------------------------------------
# RAM fixtures-as-functions
# --------------------------------------------------------------------------------------------

def users_of(resp: dict) -> List[dict]:
    return ((resp.get("Users") or {}).get("User")) or []


def groups_of(resp: dict) -> List[dict]:
    return ((resp.get("Groups") or {}).get("Group")) or []


def roles_of(resp: dict) -> List[dict]:
    return ((resp.get("Roles") or {}).get("Role")) or []


def policies_of(resp: dict) -> List[dict]:
    return ((resp.get("Policies") or {}).get("Policy")) or []


def access_keys_of(resp: dict) -> List[dict]:
    return ((resp.get("AccessKeys") or {}).get("AccessKey")) or []


def policy_versions_of(resp: dict) -> List[dict]:
    return ((resp.get("PolicyVersions") or {}).get("PolicyVersion")) or []


def create_custom_policy(server, document: Union[str, dict], policy_name: Optional[str] = None) -> str:
    ram = tea_ram(server)
    policy_name = policy_name or name("pol")
    text = document if isinstance(document, str) else json.dumps(document, separators=(",", ":"))
    ram.CreatePolicy(PolicyName=policy_name, PolicyDocument=text)
    return policy_name


def _attach_spec(server, spec) -> Tuple[str, str]:
    """A policy spec -> (PolicyType, PolicyName): a system policy name, JSON text / dict (a new custom policy), or
    ("Custom"|"System", name)."""
    if isinstance(spec, tuple):
        return spec
    if isinstance(spec, dict) or (isinstance(spec, str) and spec.lstrip().startswith("{")):
        return "Custom", create_custom_policy(server, spec)
    return "System", spec


def new_ram_user(server, policies: Iterable = (), groups: Iterable[str] = (), user_name: Optional[str] = None,
                 with_key: bool = True) -> Tuple[str, Optional[str], Optional[str]]:
    """Creates a RAM user (as root), attaches `policies` (system names, or policy JSON text -> new custom policies),
    adds it to `groups`, creates an AccessKey. Returns (user_name, AccessKeyId, AccessKeySecret)."""
    ram = tea_ram(server)
    user_name = user_name or name("u")
    ram.CreateUser(UserName=user_name)
    for spec in policies:
        ptype, pname = _attach_spec(server, spec)
        ram.AttachPolicyToUser(PolicyType=ptype, PolicyName=pname, UserName=user_name)
    for g in groups:
        ram.AddUserToGroup(GroupName=g, UserName=user_name)
    if not with_key:
        return user_name, None, None
    key = ram.CreateAccessKey(UserName=user_name)["AccessKey"]
    return user_name, key["AccessKeyId"], key["AccessKeySecret"]


def new_group(server, policies: Iterable = ()) -> str:
    ram = tea_ram(server)
    group = name("g")
    ram.CreateGroup(GroupName=group)
    for spec in policies:
        ptype, pname = _attach_spec(server, spec)
        ram.AttachPolicyToGroup(PolicyType=ptype, PolicyName=pname, GroupName=group)
    return group


def new_role(server, policies: Iterable = (), trust: Optional[str] = None, max_session: Optional[int] = None,
             role_name: Optional[str] = None) -> Tuple[str, str]:
    """Creates a role trusted by the default account (or `trust`), attaches `policies`. Returns (name, Arn)."""
    ram = tea_ram(server)
    role_name = role_name or name("r")
    r = ram.CreateRole(RoleName=role_name, AssumeRolePolicyDocument=trust or trust_account(),
                       MaxSessionDuration=max_session)
    for spec in policies:
        ptype, pname = _attach_spec(server, spec)
        ram.AttachPolicyToRole(PolicyType=ptype, PolicyName=pname, RoleName=role_name)
    return role_name, r["Role"]["Arn"]


def assume_role(server, ak: str, secret: str, arn: str, session: Optional[str] = None,
                duration: Optional[int] = None, policy: Optional[str] = None, kind: str = "tea-v3") -> dict:
    """AssumeRole as the given identity; returns the whole response body."""
    sts = sts_client(kind, server, ak, secret)
    return sts.AssumeRole(RoleArn=arn, RoleSessionName=session or name("s"), DurationSeconds=duration, Policy=policy)


def assumer(server) -> Tuple[str, str, str]:
    """A RAM user allowed to assume roles (AliyunSTSAssumeRoleAccess)."""
    return new_ram_user(server, ["AliyunSTSAssumeRoleAccess"])


def role_session(server, policies: Iterable = ("AliyunECSFullAccess",), session_policy: Optional[str] = None,
                 session: Optional[str] = None) -> Tuple[dict, str, str]:
    """A role with `policies`, assumed by a fresh user with AliyunSTSAssumeRoleAccess.
    Returns (Credentials, role name, session name)."""
    role, arn = new_role(server, policies)
    _, ak, secret = assumer(server)
    session = session or name("s")
    resp = assume_role(server, ak, secret, arn, session=session, policy=session_policy)
    return resp["Credentials"], role, session


# --------------------------------------------------------------------------------------------
# ECS waiting helpers and the image with a preset root password
# --------------------------------------------------------------------------------------------

def wait_instance_status(ecs, instance_id: str, status: str, limit: float = 60) -> dict:
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        found = ih.instances_of(ecs.describe_instances(instance_ids=[instance_id]))
        if found:
            last = found[0]
            if last.get("Status") == status:
                return last
        time.sleep(0.1)
    raise AssertionError(f"{instance_id} not {status} within {limit}s: {last}")


def wait_image_available(ecs, image_id: str, limit: float = 60) -> dict:
    deadline = time.monotonic() + limit
    last = None
    while time.monotonic() < deadline:
        found = ih.images_of(ecs.describe_images(image_id=image_id))
        if found:
            last = found[0]
            if last.get("Status", "Available") == "Available":
                return last
        time.sleep(0.1)
    raise AssertionError(f"image {image_id} not Available within {limit}s: {last}")


def root_instance(server, stopped: bool = False, password: Optional[str] = None) -> str:
    """An instance made by root (the stock Linux image). Returns its id."""
    ecs = root_ecs(server)
    iid = ih.instance_ids_of(ecs.run_instances(image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE,
                                               password=password))[0]
    wait_instance_status(ecs, iid, "Running")
    if stopped:
        ecs.stop_instance(iid)
        wait_instance_status(ecs, iid, "Stopped")
    return iid


def password_image(server) -> str:
    """An image whose root account carries a preset password, so that PasswordInherit=true has something to
    inherit: root runs an instance with Password, stops it and captures it with CreateImage."""
    ecs = root_ecs(server)
    iid = root_instance(server, stopped=True, password=ROOT_PASSWORD)
    image_id = ecs.create_image(iid, image_name=name("pwimg"))["ImageId"]
    wait_image_available(ecs, image_id)
    return image_id


def key_pair_names(ecs, name_filter: Optional[str] = None) -> List[str]:
    out, page = [], 1
    while True:
        r = ecs.describe_key_pairs(name=name_filter, page_number=page, page_size=50)
        kps = kw.key_pairs(r)
        out.extend(k["KeyPairName"] for k in kps)
        if len(kps) < 50 or len(out) >= int(r["TotalCount"]):
            return out
        page += 1


def key_pair_exists(server, key_name: str) -> bool:
    return kw.names_of(root_ecs(server).describe_key_pairs(name=key_name)) == [key_name]
