"""Fixtures for the real-instance suites, loaded as a plugin (`pytest_plugins = ["instance_fixtures"]` in each
instance test module), so that the session server below exists once however many modules use it.

* instance_server (session) - ONE Keyward with sandbox instances for every instance test: only one server can hold
  the metadata address 100.100.100.200:80. Separate from the key-pair suites' `server`. Teardown deletes what the
  tests left, stops the server, deletes the namespaces of the instances it ran and its bridge.
* sandbox - the session server, started again if a test left it stopped.
* fleet (function) / module_fleet (module) - launch instances, make key pairs and images through an SDK, and
  delete them all at the end.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import List, Optional

import pytest

import instance_helpers as ih
import kwhelpers as kw


@pytest.fixture(scope="session")
def instance_server(tmp_path_factory):
    ih.require_root_and_tools()
    ih.check_metadata_address_free()
    before = ih.netns_names()
    srv = ih.SandboxServer(tmp_path_factory.mktemp("keyward-sandbox"), kw.random_access_key_id(), kw.random_secret())
    try:
        srv.start()
    except Exception:
        ih.teardown_sandbox_server(srv, before)
        raise
    yield srv
    notes = ih.teardown_sandbox_server(srv, before)
    if notes:
        warnings.warn("instance suite cleanup: " + "; ".join(notes))


@pytest.fixture
def sandbox(instance_server):
    if not instance_server.running:
        instance_server.start()
    return instance_server


class Fleet:
    """What one test (or module) launched; everything is deleted at the end."""

    def __init__(self, server: ih.SandboxServer, workdir: Path):
        self.server = server
        self.workdir = workdir
        self.instance_ids: List[str] = []
        self.key_names: List[str] = []
        self.image_ids: List[str] = []
        self.legacy = ih.make_ecs("legacy", server)

    def sdk(self, kind: str = "legacy"):
        return ih.make_ecs(kind, self.server)

    # -- key pairs ---------------------------------------------------------------------
    def key(self, sdk=None, prefix: str = "kwinst") -> ih.KeyFile:
        sdk = sdk or self.legacy
        name = kw.uniq(prefix)
        r = sdk.create_key_pair(name)
        assert r["KeyPairName"] == name and r.get("PrivateKeyBody"), r
        self.key_names.append(name)
        path = ih.write_private_key(self.workdir / "keys", name, r["PrivateKeyBody"])
        kf = ih.KeyFile(name, r.get("KeyPairId", ""), r.get("KeyPairFingerPrint", ""), path)
        assert kw.openssh_line_fingerprint(kf.public_line) == r["KeyPairFingerPrint"], \
            "CreateKeyPair's fingerprint is not the MD5 of the returned private key's public half"
        return kf

    # -- instances ---------------------------------------------------------------------
    def run(self, sdk=None, expect: Optional[int] = None, wait: bool = True, **kwargs) -> List[str]:
        """RunInstances, then (unless `wait` is False) DescribeInstances until the batch has left Pending and Starting."""
        sdk = sdk or self.legacy
        r = sdk.run_instances(**kwargs)
        ids = ih.instance_ids_of(r)
        self.track(ids)
        want = expect if expect is not None else int(kwargs.get("amount") or 1)
        assert len(ids) == want, f"RunInstances returned {ids} for Amount={kwargs.get('amount')}: {r}"
        if wait:
            ih.wait_launched(sdk, ids)
        return ids

    def run_one(self, sdk=None, **kwargs) -> dict:
        """RunInstances for one instance; returns its DescribeInstances entry once launched (asserted Running)."""
        (iid,) = self.run(sdk, **kwargs)
        inst = ih.describe_one(sdk or self.legacy, iid)
        assert inst["Status"] == "Running", f"{iid} did not reach Running: {inst['Status']} {inst.get('StartFailure')}"
        return inst

    def create(self, sdk=None, wait: bool = True, **kwargs) -> str:
        """CreateInstance, then (unless `wait` is False) DescribeInstances until it is Stopped."""
        sdk = sdk or self.legacy
        r = sdk.create_instance(**kwargs)
        iid = r["InstanceId"]
        self.track([iid])
        if wait:
            ih.wait_launched(sdk, [iid])
        return iid

    def track(self, ids):
        for i in ids:
            if i not in self.instance_ids:
                self.instance_ids.append(i)
            self.server.launched.add(i)

    def image(self, instance_id: str, sdk=None, name: Optional[str] = None) -> str:
        sdk = sdk or self.legacy
        r = sdk.create_image(instance_id, image_name=name or ("kwimg-" + kw.token(8)))
        image_id = r["ImageId"]
        self.image_ids.append(image_id)
        self.server.images.add(image_id)
        return image_id

    # -- cleanup -----------------------------------------------------------------------
    def cleanup(self):
        if not self.server.running:
            self.server.start()
        sdk = ih.make_ecs("legacy", self.server)
        problems = []
        for iid in self.instance_ids:
            try:
                sdk.delete_instance(iid, force=True)
            except kw.ApiError as e:
                if e.code != "InvalidInstanceId.NotFound":
                    problems.append(f"DeleteInstance {iid} Force=true: {e}")
        for image_id in self.image_ids:
            try:
                sdk.delete_image(image_id, force=True)
                self.server.images.discard(image_id)
            except kw.ApiError as e:
                problems.append(f"DeleteImage {image_id}: {e}")
        if self.key_names:
            try:
                sdk.delete_key_pairs(json.dumps(self.key_names))
            except kw.ApiError as e:
                problems.append(f"DeleteKeyPairs: {e}")
        left = [i for i in self.instance_ids if ih.instances_of(sdk.describe_instances(instance_ids=[i]))]
        if left:
            problems.append(f"instances still described after DeleteInstance Force=true: {left}")
        namespaces = set(ih.netns_names())
        leaked = [i for i in self.instance_ids if ih.namespace_of(i) in namespaces]
        if leaked:
            problems.append(f"DeleteInstance left the network namespaces (and sandboxes) of {leaked}")
        assert not problems, "cleanup failed (server bug?): " + "; ".join(problems)


@pytest.fixture
def fleet(sandbox, tmp_path):
    f = Fleet(sandbox, tmp_path)
    yield f
    f.cleanup()


@pytest.fixture(scope="module")
def module_fleet(instance_server, tmp_path_factory):
    if not instance_server.running:
        instance_server.start()
    f = Fleet(instance_server, tmp_path_factory.mktemp("module-fleet"))
    yield f
    f.cleanup()
