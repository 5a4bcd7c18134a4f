"""Helpers for the Auto Scaling (ESS) interop suites (interop/pending/ess_*_pending.py until the actions land).

Written to Alibaba Cloud's documented behaviour (shared/reference/alibaba-ess-api.md), not to Keyward's code.

* Ess - one small interface over BOTH official SDKs, so that a test is written once and parametrized over
  VERSIONS = ("legacy", "tea"):
    legacy: aliyun-python-sdk-ess 2.3.32, Version 2014-08-28, `aliyunsdkess.request.v20140828.<Op>Request`, every
            parameter through the class's own `set_<Name>` setter, AcsClient on 127.0.0.1:<port> over http;
    tea:    alibabacloud-ess20220222 1.13.3, Version 2022-02-22, `alibabacloud_ess20220222.client.Client` with
            Config(endpoint="127.0.0.1:PORT", protocol="http"); requests are the SDK's own models (`from_map`), the
            response is what the SDK's model parsed (`body.to_map()`).
  Parameters are given by their 2022 wire names (InstanceIds, LifecycleStates, RemovalPolicies, ScalingGroupNames);
  the legacy client maps them to its setters (set_InstanceIds -> InstanceId.N, set_LifecycleStatess,
  set_RemovalPolicy1..3, set_ScalingGroupName1..20). The legacy client always sends its region; the Tea client sends
  RegionId only where the operation requires it (CreateScalingGroup, Describe*), so that the server resolves groups,
  configurations and rules by id (reference §1.2).
* Responses are normalised: 2014 double-wrapped lists (`ScalingGroups.ScalingGroup`) and nested lists
  (`RemovalPolicies.RemovalPolicy`) are unwrapped, 2022 flat arrays taken as they are; each shape is asserted on the way
  (a 2014 list must be wrapped, a 2022 list must be flat). Counts and capacities become ints, flags bools.
  Describe* calls return a Page (a list with .total, .page_number, .page_size).
* Errors: kwhelpers.ApiError (access_helpers.AccessError, with access_denied_detail) from the legacy
  ServerException (`get_error_code()`, `get_http_status()`) and the Tea ClientException/ServerException (`.code`,
  `.status_code`); expect_error checks the exact code AND HTTP status.
* Waits, each with a deadline: wait_activity, wait_idle, wait_in_service, wait_group_gone, wait_until.
* EssTracker - groups and ECS instances one test made; ForceDelete / DeleteInstance at the end.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence

import pytest

import access_helpers as ah
import instance_helpers as ih
import kwhelpers as kw

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

VERSIONS = ("legacy", "tea")
REGION = kw.DEFAULT_REGION
ACCOUNT_ID = ah.ACCOUNT_ID
LINUX_IMAGE = ih.LINUX_IMAGE
INSTANCE_TYPE = ih.INSTANCE_TYPE
# Seconds a wait may take: activities on the simulated driver are quick; sandbox boots take seconds each.
WAIT = float(os.environ.get("KEYWARD_INTEROP_ESS_WAIT", "90"))

# CHOICE: ids carry the documented prefixes (doc examples asg-/asc-/asr-/asa-; 2017 pages show unprefixed ids).
GROUP_ID_RE = re.compile(r"^asg-[0-9a-z]{6,}$")
CONFIG_ID_RE = re.compile(r"^asc-[0-9a-z]{6,}$")
RULE_ID_RE = re.compile(r"^asr-[0-9a-z]{6,}$")
ACTIVITY_ID_RE = re.compile(r"^asa-[0-9a-z]{6,}$")
MINUTE_UTC_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$")          # CreationTime, StartTime, EndTime samples
SECOND_UTC_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")     # DescribeScalingInstances CreatedTime sample
GROUP_TAG = "acs:autoscaling:scalingGroupId"

LISTS = {"ScalingGroups": "ScalingGroup", "ScalingConfigurations": "ScalingConfiguration",
         "ScalingInstances": "ScalingInstance", "ScalingActivities": "ScalingActivity", "ScalingRules": "ScalingRule"}
INT_FIELDS = {"MinSize", "MaxSize", "DesiredCapacity", "DefaultCooldown", "TotalCapacity", "ActiveCapacity",
              "PendingCapacity", "RemovingCapacity", "ProtectedCapacity", "StandbyCapacity", "StoppedCapacity",
              "TotalInstanceCount", "TotalCount", "PageNumber", "PageSize", "Progress", "AutoCreatedCapacity",
              "AttachedCapacity", "AdjustmentValue", "Cooldown", "MinAdjustmentMagnitude"}
BOOL_FIELDS = {"PasswordInherit", "PasswordSetted", "Entrusted"}
# CHOICE: the Tea client sends RegionId only where its model requires it (reference §1.2), never where optional.
TEA_REGION_OPS = {"CreateScalingGroup", "DescribeScalingGroups", "DescribeScalingConfigurations",
                  "DescribeScalingActivities", "DescribeScalingInstances", "DescribeScalingRules"}
# 2022 wire name -> legacy setter, where they differ (reference §1.4).
LEGACY_SETTERS = {"LifecycleStates": "LifecycleStatess", "CreationTypes": "CreationTypess",
                  "InstanceTypes": "InstanceTypess", "SecurityGroupIds": "SecurityGroupIdss"}


def other_version(kind: str) -> str:
    return "tea" if kind == "legacy" else "legacy"


def group_name(prefix: str = "kwasg") -> str:
    """2-64 of letters, digits, _-. starting with a letter."""
    return f"{prefix}-{kw.token(10)}"


def missing_id(prefix: str) -> str:
    return f"{prefix}-kwmissing{kw.token(10)}"


class Page(list):
    total: int = 0
    page_number: Optional[int] = None
    page_size: Optional[int] = None


def _int(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, str) and re.fullmatch(r"-?\d+", v):
        return int(v)
    return v


def _unwrap(v):
    """2014 nested list: {"RemovalPolicy": [...]} -> [...] (the DescribeScalingGroups JSON sample's shape)."""
    if isinstance(v, dict):
        if len(v) == 1:
            (inner,) = v.values()
            if isinstance(inner, list):
                return [_unwrap(x) for x in inner]
        return {k: _unwrap(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_unwrap(x) for x in v]
    return v


def normalise(item: dict) -> dict:
    out = {}
    for k, v in item.items():
        if k in INT_FIELDS:
            v = _int(v)
        elif k in BOOL_FIELDS and v is not None:
            v = ih.is_true(v)
        out[k] = v
    return out


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

def expect_error(fn, code: str, status: int, *a, **k) -> kw.ApiError:
    """fn(*a, **k) must fail with exactly `code` and HTTP `status`, with a RequestId; returns the error."""
    with pytest.raises(kw.ApiError) as ei:
        fn(*a, **k)
    e = ei.value
    assert (e.status, e.code) == (status, code), f"expected {status} {code}, got {e}"
    assert e.request_id and e.request_id != "None", str(e)
    return e


def refused(fn, code: str, status: int, *a, unchanged: Optional[Callable[[], object]] = None, **k) -> kw.ApiError:
    """expect_error, and `unchanged()` (a snapshot) is the same before and after: a failed call changes nothing."""
    before = unchanged() if unchanged else None
    e = expect_error(fn, code, status, *a, **k)
    if unchanged:
        after = unchanged()
        assert after == before, f"the refused call ({code}) changed state:\nbefore {before}\nafter  {after}"
    return e


# --------------------------------------------------------------------------------------------
# The clients
# --------------------------------------------------------------------------------------------

class Ess:
    """Normalised ESS operations; subclasses implement _call(action, params) -> raw body and _items(body, key)."""

    name = "ess"

    def _call(self, action: str, params: Dict[str, object]) -> dict:
        raise NotImplementedError

    def _items(self, body: dict, key: str) -> List[dict]:
        raise NotImplementedError

    def _do(self, action: str, **params) -> dict:
        return self._call(action, {k: v for k, v in params.items() if v is not None})

    def _page(self, body: dict, key: str) -> Page:
        p = Page(normalise(i) for i in self._items(body, key))
        p.total = _int(body.get("TotalCount"))
        p.page_number, p.page_size = _int(body.get("PageNumber")), _int(body.get("PageSize"))
        return p

    @staticmethod
    def _list(v):
        return list(v) if v is not None else None

    # -- groups ----------------------------------------------------------------------------
    def create_scaling_group(self, min_size, max_size, name=None, desired_capacity=None, default_cooldown=None,
                             removal_policies=None) -> str:
        r = self._do("CreateScalingGroup", RegionId=REGION, MinSize=min_size, MaxSize=max_size,
                     ScalingGroupName=name, DesiredCapacity=desired_capacity, DefaultCooldown=default_cooldown,
                     RemovalPolicies=self._list(removal_policies))
        return r["ScalingGroupId"]

    def modify_scaling_group(self, group_id, min_size=None, max_size=None, name=None, desired_capacity=None,
                             active_configuration_id=None, default_cooldown=None, removal_policies=None) -> dict:
        return self._do("ModifyScalingGroup", ScalingGroupId=group_id, MinSize=min_size, MaxSize=max_size,
                        ScalingGroupName=name, DesiredCapacity=desired_capacity,
                        ActiveScalingConfigurationId=active_configuration_id, DefaultCooldown=default_cooldown,
                        RemovalPolicies=self._list(removal_policies))

    def describe_scaling_groups(self, ids=None, names=None, name=None, page_number=None, page_size=None) -> Page:
        body = self._do("DescribeScalingGroups", RegionId=REGION, ScalingGroupIds=self._list(ids),
                        ScalingGroupNames=self._list(names), ScalingGroupName=name, PageNumber=page_number,
                        PageSize=page_size)
        return self._page(body, "ScalingGroups")

    def group(self, group_id) -> Optional[dict]:
        found = self.describe_scaling_groups(ids=[group_id])
        assert [g["ScalingGroupId"] for g in found] in ([], [group_id]), found
        return found[0] if found else None

    def enable_scaling_group(self, group_id, configuration_id=None, instance_ids=None) -> dict:
        return self._do("EnableScalingGroup", ScalingGroupId=group_id, ActiveScalingConfigurationId=configuration_id,
                        InstanceIds=self._list(instance_ids))

    def disable_scaling_group(self, group_id) -> dict:
        return self._do("DisableScalingGroup", ScalingGroupId=group_id)

    def delete_scaling_group(self, group_id, force=None) -> dict:
        return self._do("DeleteScalingGroup", ScalingGroupId=group_id, ForceDelete=force)

    # -- configurations ----------------------------------------------------------------------
    @staticmethod
    def _config_params(image_id, instance_type, instance_types, name, key_pair_name, password, password_inherit,
                       host_name, instance_name, user_data, security_group_id, tags) -> dict:
        return dict(ImageId=image_id, InstanceType=None if instance_types else instance_type,
                    InstanceTypes=list(instance_types) if instance_types else None, ScalingConfigurationName=name,
                    KeyPairName=key_pair_name, Password=password, PasswordInherit=password_inherit,
                    HostName=host_name, InstanceName=instance_name, UserData=user_data,
                    SecurityGroupId=security_group_id,
                    Tags=json.dumps(tags, separators=(",", ":")) if isinstance(tags, dict) else tags)

    def create_scaling_configuration(self, group_id, image_id=LINUX_IMAGE, instance_type=INSTANCE_TYPE,
                                     instance_types=None, name=None, key_pair_name=None, password=None,
                                     password_inherit=None, host_name=None, instance_name=None, user_data=None,
                                     security_group_id=None, tags=None) -> str:
        p = self._config_params(image_id, instance_type, instance_types, name, key_pair_name, password,
                                password_inherit, host_name, instance_name, user_data, security_group_id, tags)
        return self._do("CreateScalingConfiguration", ScalingGroupId=group_id, **p)["ScalingConfigurationId"]

    def modify_scaling_configuration(self, configuration_id, image_id=None, instance_type=None, instance_types=None,
                                     name=None, key_pair_name=None, password=None, password_inherit=None,
                                     host_name=None, instance_name=None, user_data=None, security_group_id=None,
                                     tags=None) -> dict:
        p = self._config_params(image_id, instance_type, instance_types, name, key_pair_name, password,
                                password_inherit, host_name, instance_name, user_data, security_group_id, tags)
        return self._do("ModifyScalingConfiguration", ScalingConfigurationId=configuration_id, **p)

    def describe_scaling_configurations(self, group_id=None, ids=None, names=None, page_number=None,
                                        page_size=None) -> Page:
        body = self._do("DescribeScalingConfigurations", RegionId=REGION, ScalingGroupId=group_id,
                        ScalingConfigurationIds=self._list(ids), ScalingConfigurationNames=self._list(names),
                        PageNumber=page_number, PageSize=page_size)
        return self._page(body, "ScalingConfigurations")

    def configuration(self, configuration_id) -> Optional[dict]:
        found = self.describe_scaling_configurations(ids=[configuration_id])
        return found[0] if found else None

    def delete_scaling_configuration(self, configuration_id) -> dict:
        return self._do("DeleteScalingConfiguration", ScalingConfigurationId=configuration_id)

    # -- rules, scaling -----------------------------------------------------------------------
    def create_scaling_rule(self, group_id, adjustment_type, adjustment_value, name=None, cooldown=None,
                            min_adjustment_magnitude=None) -> dict:
        return self._do("CreateScalingRule", ScalingGroupId=group_id, AdjustmentType=adjustment_type,
                        AdjustmentValue=adjustment_value, ScalingRuleName=name, Cooldown=cooldown,
                        MinAdjustmentMagnitude=min_adjustment_magnitude)

    def describe_scaling_rules(self, group_id=None, ids=None, aris=None) -> Page:
        body = self._do("DescribeScalingRules", RegionId=REGION, ScalingGroupId=group_id,
                        ScalingRuleIds=self._list(ids), ScalingRuleAris=self._list(aris))
        return self._page(body, "ScalingRules")

    def execute_scaling_rule(self, ari) -> str:
        return self._do("ExecuteScalingRule", ScalingRuleAri=ari)["ScalingActivityId"]

    def scale_with_adjustment(self, group_id, adjustment_type, adjustment_value, min_adjustment_magnitude=None,
                              sync_activity=None) -> dict:
        return self._do("ScaleWithAdjustment", ScalingGroupId=group_id, AdjustmentType=adjustment_type,
                        AdjustmentValue=adjustment_value, MinAdjustmentMagnitude=min_adjustment_magnitude,
                        SyncActivity=sync_activity)

    def scale(self, group_id, adjustment_type, adjustment_value) -> str:
        """ScaleWithAdjustment; returns the activity id."""
        r = self.scale_with_adjustment(group_id, adjustment_type, adjustment_value)
        assert ACTIVITY_ID_RE.match(r.get("ScalingActivityId") or ""), r
        return r["ScalingActivityId"]

    # -- activities, instances ----------------------------------------------------------------
    def describe_scaling_activities(self, group_id=None, ids=None, status_code=None, page_number=None,
                                    page_size=None) -> Page:
        body = self._do("DescribeScalingActivities", RegionId=REGION, ScalingGroupId=group_id,
                        ScalingActivityIds=self._list(ids), StatusCode=status_code, PageNumber=page_number,
                        PageSize=page_size)
        return self._page(body, "ScalingActivities")

    def activity(self, activity_id) -> dict:
        found = self.describe_scaling_activities(ids=[activity_id])
        assert [a["ScalingActivityId"] for a in found] == [activity_id], found
        return found[0]

    def describe_scaling_instances(self, group_id=None, ids=None, lifecycle_states=None, creation_types=None,
                                   configuration_id=None, health_status=None, page_number=None,
                                   page_size=None) -> Page:
        body = self._do("DescribeScalingInstances", RegionId=REGION, ScalingGroupId=group_id,
                        InstanceIds=self._list(ids), LifecycleStates=self._list(lifecycle_states),
                        CreationTypes=self._list(creation_types), ScalingConfigurationId=configuration_id,
                        HealthStatus=health_status, PageNumber=page_number, PageSize=page_size)
        return self._page(body, "ScalingInstances")

    def members(self, group_id) -> List[dict]:
        out, page = [], 1
        while True:
            p = self.describe_scaling_instances(group_id=group_id, page_number=page, page_size=50)
            out.extend(p)
            if len(p) < 50 or len(out) >= (p.total or 0):
                return out
            page += 1

    def remove_instances(self, group_id, ids, decrease_desired_capacity=None, remove_policy=None) -> str:
        return self._do("RemoveInstances", ScalingGroupId=group_id, InstanceIds=list(ids),
                        DecreaseDesiredCapacity=decrease_desired_capacity,
                        RemovePolicy=remove_policy)["ScalingActivityId"]

    def attach_instances(self, group_id, ids, entrusted=None) -> str:
        return self._do("AttachInstances", ScalingGroupId=group_id, InstanceIds=list(ids),
                        Entrusted=entrusted)["ScalingActivityId"]

    def detach_instances(self, group_id, ids, decrease_desired_capacity=None) -> str:
        return self._do("DetachInstances", ScalingGroupId=group_id, InstanceIds=list(ids),
                        DecreaseDesiredCapacity=decrease_desired_capacity)["ScalingActivityId"]

    def set_instances_protection(self, group_id, ids, protected: bool) -> dict:
        return self._do("SetInstancesProtection", ScalingGroupId=group_id, InstanceIds=list(ids),
                        ProtectedFromScaleIn=protected)


class LegacyEss(Ess):
    """aliyun-python-sdk-ess 2.3.32: the 2014-08-28 request classes; errors keep the raw body (AccessDeniedDetail)."""

    def __init__(self, server, ak=None, secret=None, token=None):
        self.name = "legacy"
        self.client = ah._v1_client(server, server.ak if ak is None else ak,
                                    server.secret if secret is None else secret, token)
        self.last_request = None
        self.last_body: Optional[dict] = None

    def request(self, action: str, params: Dict[str, object]):
        mod = importlib.import_module(f"aliyunsdkess.request.v20140828.{action}Request")
        req = getattr(mod, f"{action}Request")()
        for key, value in params.items():
            if key == "RegionId":
                continue                      # the client's region, always sent (reference §1.2)
            if key in ("RemovalPolicies", "ScalingGroupNames"):
                stem = "RemovalPolicy" if key == "RemovalPolicies" else "ScalingGroupName"
                for i, v in enumerate(value, 1):
                    setter = getattr(req, f"set_{stem}{i}", None)
                    assert setter is not None, f"aliyunsdkess {action}Request has no set_{stem}{i}"
                    setter(v)
                continue
            setter = getattr(req, "set_" + LEGACY_SETTERS.get(key, key), None)
            assert setter is not None, f"aliyunsdkess {action}Request has no setter for {key}"
            setter(value)
        return req

    def _call(self, action, params):
        req = self.request(action, params)
        self.last_request = req
        body = ah._v1_do(self.name, self.client, req)
        self.last_body = body
        return body

    def _items(self, body, key):
        wrapped = body.get(key)
        inner = LISTS[key]
        # CHOICE: an empty 2014 list is wrapped too ({"ScalingGroups": {"ScalingGroup": []}}), as ECS's are.
        assert isinstance(wrapped, dict) and isinstance(wrapped.get(inner), list), \
            f"2014-08-28 lists are double-wrapped ({key}.{inner}[...]), got {key}={wrapped!r}"
        return [_unwrap(i) for i in wrapped[inner]]


class TeaEss(Ess):
    """alibabacloud-ess20220222 1.13.3: the SDK's own request models and response parsing."""

    def __init__(self, server, ak=None, secret=None, token=None, mode="v3"):
        # The Tea client set up as for every other product, recording the raw body the SDK parsed.
        self.tea = ah.TeaProduct("ess", server, ak, secret, token, mode)
        self.name = "tea" if mode == "v3" else f"tea-{mode}"
        self.models = self.tea.models
        self.client = self.tea.client

    @property
    def last_raw(self) -> Optional[dict]:
        return self.tea.last_raw

    def _call(self, action, params):
        from alibabacloud_tea_openapi import exceptions as oe
        if action not in TEA_REGION_OPS:
            params = {k: v for k, v in params.items() if k != "RegionId"}
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
        req = getattr(self.models, f"{action}Request")().from_map(params)
        unknown = set(params) - set(req.to_map())
        assert not unknown, f"alibabacloud_ess20220222 {action}Request has no field for {sorted(unknown)}"
        try:
            resp = getattr(self.client, method)(req)
        except (oe.ClientException, oe.ServerException, oe.ThrottlingException) as e:
            raise ah._from_tea(self.name, e) from None
        assert resp.status_code == 200, resp.status_code
        assert resp.body is not None, f"the 2022-02-22 SDK parsed no body from {self.last_raw!r} (a 2014-style list?)"
        return resp.body.to_map()

    def _items(self, body, key):
        raw = (self.last_raw or {}).get(key)
        assert raw is None or isinstance(raw, list), f"2022-02-22 lists are flat arrays, got {key}={raw!r}"
        return list(body.get(key) or [])


def ess_client(kind: str, server, ak=None, secret=None, token=None) -> Ess:
    if kind == "legacy":
        return LegacyEss(server, ak, secret, token)
    if kind == "tea":
        return TeaEss(server, ak, secret, token)
    raise ValueError(kind)


# --------------------------------------------------------------------------------------------
# Waits (every one with a deadline)
# --------------------------------------------------------------------------------------------

def wait_until(probe: Callable[[], tuple], what: str, limit: float = WAIT, interval: float = 0.25):
    """probe() -> (done, value); returns value once done, fails after `limit` seconds with the last value."""
    deadline = time.monotonic() + limit
    while True:
        done, value = probe()
        if done:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {limit:.0f}s; last seen: {value}")
        time.sleep(interval)


def wait_activity(ess: Ess, activity_id: str, status: Optional[str] = "Successful", limit: float = WAIT) -> dict:
    """Polls DescribeScalingActivities until the activity is no longer InProgress; checks its StatusCode."""
    def probe():
        a = ess.activity(activity_id)
        return a["StatusCode"] != "InProgress", a
    a = wait_until(probe, f"activity {activity_id} to finish", limit)
    if status is not None:
        assert a["StatusCode"] == status, f"activity ended {a['StatusCode']}, not {status}: {a}"
    assert a.get("Progress") in (None, 100) or a["StatusCode"] != "Successful", a
    return a


def wait_idle(ess: Ess, group_id: str, limit: float = WAIT) -> List[dict]:
    """Until no activity of the group is InProgress; returns the group's activities."""
    def probe():
        acts = ess.describe_scaling_activities(group_id=group_id, page_size=50)
        return all(a["StatusCode"] != "InProgress" for a in acts), list(acts)
    return wait_until(probe, f"group {group_id} idle", limit)


def wait_in_service(ess: Ess, group_id: str, n: int, states: Sequence[str] = ("InService",),
                    limit: float = WAIT) -> List[dict]:
    """Until the group has exactly n members, each in one of `states` (Protected members: add "Protected")."""
    def probe():
        ms = ess.members(group_id)
        return len(ms) == n and all(m["LifecycleState"] in states for m in ms), \
            [(m["InstanceId"], m["LifecycleState"], m.get("HealthStatus")) for m in ms]
    wait_until(probe, f"{n} members {'/'.join(states)} in {group_id}", limit)
    return ess.members(group_id)


def wait_group_gone(ess: Ess, group_id: str, limit: float = WAIT) -> None:
    """DeleteScalingGroup is asynchronous: poll DescribeScalingGroups until the id is gone (as terraform does)."""
    wait_until(lambda: (lambda g: (g is None, g))(ess.group(group_id)), f"group {group_id} gone", limit)


# --------------------------------------------------------------------------------------------
# State snapshots and ECS views
# --------------------------------------------------------------------------------------------

def member_ids(members: Iterable[dict]) -> List[str]:
    return sorted(m["InstanceId"] for m in members)


def snapshot(ess: Ess, group_id: str):
    """Everything a failed call must leave alone: the group, its members, activities and configurations."""
    g = ess.group(group_id)
    members = sorted((m["InstanceId"], m["LifecycleState"], m["CreationType"], m.get("ScalingConfigurationId"))
                     for m in ess.members(group_id))
    acts = sorted((a["ScalingActivityId"], a["StatusCode"])
                  for a in ess.describe_scaling_activities(group_id=group_id, page_size=50))
    confs = sorted((c["ScalingConfigurationId"], c.get("LifecycleState"), c.get("ScalingConfigurationName"))
                   for c in ess.describe_scaling_configurations(group_id=group_id, page_size=50))
    return g, members, acts, confs


def root_ecs(server):
    return ih.make_ecs("legacy", server)


def ecs_instance(ecs, instance_id: str) -> Optional[dict]:
    found = ih.instances_of(ecs.describe_instances(instance_ids=[instance_id]))
    return found[0] if found else None


def ecs_tags(inst: dict) -> Dict[str, str]:
    return {t["TagKey"]: t.get("TagValue", "") for t in ((inst.get("Tags") or {}).get("Tag") or [])}


def wait_ecs_gone(ecs, instance_ids: Iterable[str], limit: float = WAIT) -> None:
    ids = list(instance_ids)
    wait_until(lambda: (lambda left: (not left, left))([i for i in ids if ecs_instance(ecs, i)]),
               f"instances {ids} released (gone from ECS DescribeInstances)", limit)


# --------------------------------------------------------------------------------------------
# One test's groups and instances
# --------------------------------------------------------------------------------------------

class EssTracker:
    """Groups and ECS instances a test made, deleted at the end (ForceDelete / DeleteInstance Force).
    `on_instances(ids)` is told every member id seen (the sandbox Fleet's track, for its namespace checks)."""

    def __init__(self, server, on_instances: Optional[Callable[[List[str]], None]] = None, wait: float = WAIT):
        self.server = server
        self.on_instances = on_instances or (lambda ids: None)
        self.wait = wait
        self.root = ess_client("legacy", server)
        self.ecs = root_ecs(server)
        self.group_ids: List[str] = []
        self.instance_ids: List[str] = []

    def group(self, ess: Ess, min_size=0, max_size=3, name=None, **kw_) -> str:
        gid = ess.create_scaling_group(min_size, max_size, name=name or group_name(), **kw_)
        assert GROUP_ID_RE.match(gid), gid
        self.group_ids.append(gid)
        return gid

    def configuration(self, ess: Ess, group_id: str, **kw_) -> str:
        cid = ess.create_scaling_configuration(group_id, **kw_)
        assert CONFIG_ID_RE.match(cid), cid
        return cid

    def enabled_group(self, ess: Ess, min_size=0, max_size=3, config: Optional[dict] = None, **group_kw):
        """A group with one configuration, enabled with it; waits for MinSize members InService.
        Returns (group id, configuration id, members)."""
        gid = self.group(ess, min_size, max_size, **group_kw)
        cid = self.configuration(ess, gid, **(config or {}))
        ess.enable_scaling_group(gid, configuration_id=cid)
        return gid, cid, self.in_service(ess, gid, min_size)

    def in_service(self, ess: Ess, group_id: str, n: int, states=("InService",)) -> List[dict]:
        """n members in `states`, and no activity of the group still InProgress; returns the members."""
        ms = wait_in_service(ess, group_id, n, states, self.wait)
        self.on_instances(member_ids(ms))
        wait_idle(ess, group_id, self.wait)
        ms = ess.members(group_id)
        assert len(ms) == n and all(m["LifecycleState"] in states for m in ms), ms
        return ms

    def scale(self, ess: Ess, group_id: str, adjustment_type: str, value: int, expect_total: int) -> dict:
        """ScaleWithAdjustment, wait for the activity (Successful) and for expect_total members."""
        act = wait_activity(ess, ess.scale(group_id, adjustment_type, value), limit=self.wait)
        self.in_service(ess, group_id, expect_total, ("InService", "Protected"))
        return act

    def ecs_instance(self, **run_kw) -> str:
        """An ordinary ECS instance (root, RunInstances), Running."""
        iid = ih.instance_ids_of(self.ecs.run_instances(**run_kw))[0]
        self.instance_ids.append(iid)
        self.on_instances([iid])
        ah.wait_instance_status(self.ecs, iid, "Running", limit=self.wait)
        return iid

    def forget(self, group_id: str) -> None:
        if group_id in self.group_ids:
            self.group_ids.remove(group_id)

    def cleanup(self) -> None:
        if not self.server.running:
            self.server.start()
        problems = []
        for gid in self.group_ids:
            try:
                if self.root.group(gid) is None:
                    continue
                self.on_instances(member_ids(self.root.members(gid)))
                wait_idle(self.root, gid, self.wait)
                self.root.delete_scaling_group(gid, force=True)
                wait_group_gone(self.root, gid, self.wait)
            except (kw.ApiError, AssertionError) as e:
                problems.append(f"DeleteScalingGroup {gid} ForceDelete: {e}")
        for iid in self.instance_ids:
            try:
                self.ecs.delete_instance(iid, force=True)
            except kw.ApiError as e:
                if e.code != "InvalidInstanceId.NotFound":
                    problems.append(f"DeleteInstance {iid}: {e}")
        assert not problems, "cleanup failed (server bug?): " + "; ".join(problems)


# --------------------------------------------------------------------------------------------
# One activity at a time, without racing
# --------------------------------------------------------------------------------------------

def assert_one_activity_at_a_time(ess: Ess, group_id: str, running_activity: str, target_total: int) -> bool:
    """While `running_activity` (moving the group to `target_total`) runs, ScaleWithAdjustment TotalCapacity=target
    must be refused with 400 ScalingActivityInProgress and start nothing. The probe cannot do harm: had the first
    activity ended in between, the same call is 400 IncorrectCapacity.NoChange. Returns True when the refusal was
    observed (the first was InProgress before and after the call), False when the race made it inconclusive.
    CHOICE: the in-progress check comes before the capacity check."""
    before = ess.activity(running_activity)["StatusCode"]
    ids_before = sorted(a["ScalingActivityId"] for a in ess.describe_scaling_activities(group_id=group_id))
    with pytest.raises(kw.ApiError) as ei:
        ess.scale_with_adjustment(group_id, "TotalCapacity", target_total)
    after = ess.activity(running_activity)["StatusCode"]
    e = ei.value
    assert sorted(a["ScalingActivityId"] for a in ess.describe_scaling_activities(group_id=group_id)) == ids_before
    if before == "InProgress" and after == "InProgress":
        assert (e.status, e.code) == (400, "ScalingActivityInProgress"), str(e)
        return True
    assert (e.status, e.code) in ((400, "ScalingActivityInProgress"), (400, "IncorrectCapacity.NoChange")), str(e)
    return False
