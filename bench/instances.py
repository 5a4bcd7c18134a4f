#!/usr/bin/env python3
"""Instance benchmark: Keyward's sandbox driver against the shell recipe it was built from
(../shared/reference/recipes/instance-sandbox.sh), same machine, same run, root only, loopback and the
project's own network namespaces only.

Measures
  1. RebootInstance (with a newly bound key) -> first successful `ssh -i` login with that key: p50/p95 over N.
  2. Starting 100 instances: wall time, and memory (PSS of every process of every instance).
For the recipe: `restart` + login with a key applied by `apply-key`, and `create` + `start` of the same count.
  3. Auto Scaling: ScaleWithAdjustment +10 and +50 -> every new member InService (each instance started with its own
     password), against RunInstances of the same count in the same run (the direct path the activity goes through).
Ratios are recipe/Keyward (or RunInstances/ScaleWithAdjustment): above 1 means Keyward is faster or smaller."""
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

REBOOTS = int(os.environ.get("BENCH_REBOOTS", "20"))
INSTANCES = int(os.environ.get("BENCH_INSTANCES", "100"))
# BENCH_STARTS=N: only start (and release) N instances, in batches of at most 100, and report whether each batch
# finished and how long it took; the per-account quota (200) and a bridge's addresses bound a batch, not N.
STARTS = int(os.environ.get("BENCH_STARTS", "0"))
# BENCH_CONCURRENT=N: N instances running at once, on a /20 bridge network: RunInstances calls of Amount=100 (ECS's
# bound), two per region (its quota is 200), all called at the same moment, until every instance is Running; prints the
# wall time, the PSS per instance and the server's RSS with all of them running.
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "0"))
# BENCH_KEYS=N (with BENCH_CONCURRENT): N key pairs in the account too, inserted into the database before the instances
# start and every page of them described once, so that the server's RSS printed is that with both.
KEYS = int(os.environ.get("BENCH_KEYS", "0"))
KEYS_REGION = "eu-central-1"
CONCURRENT_REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao", "cn-zhangjiakou", "cn-hongkong", "ap-southeast-1",
                      "us-west-1", "eu-central-1"]
RECIPE = Path(os.environ.get("BENCH_RECIPE", Path(__file__).resolve().parents[2] / "shared/reference/recipes/instance-sandbox.sh"))
AK, SECRET = "BenchAK0000000000000001", "BenchSecret000000000000000001"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ssh_ok(key, host, port=22):
    return subprocess.run(["ssh", "-i", str(key), "-p", str(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=3", f"root@{host}", "true"],
                          capture_output=True).returncode == 0


def wait_login(key, host, port=22, limit=30.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if ssh_ok(key, host, port):
            return
        time.sleep(0.02)
    raise RuntimeError(f"no login to {host}:{port} within {limit}s")


def pss_kb(pids):
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def namespace_members(pid1_namespaces):
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "ns/pid") in pid1_namespaces:
                    members.append(int(entry.name))
            except OSError:
                pass
    return members


def pctl(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Keyward:
    def __init__(self, binary, work, subnet="10.213.250"):
        self.binary, self.work, self.subnet = binary, work, subnet
        self.port = free_port()
        self.log = open(work / "keyward.log", "wb")
        env = dict(os.environ, KEYWARD_ROOT_ACCESS_KEY_ID=AK, KEYWARD_ROOT_ACCESS_KEY_SECRET=SECRET)
        self.proc = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--data", str(work / "data"), "--driver", "sandbox",
                                      "--bridge", "kwbrbench", "--subnet", subnet, "--metadata-listen", "off"],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while b"listening on" not in (work / "keyward.log").read_bytes():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((work / "keyward.log").read_text())
            time.sleep(0.05)
        self.client = AcsClient(AK, SECRET, "cn-hangzhou", port=self.port, timeout=600, connect_timeout=10)

    def rpc(self, version, action, client=None, **params):
        request = CommonRequest(domain="127.0.0.1", version=version, action_name=action)
        request.set_method("POST")
        request.set_protocol_type("http")
        for name, value in params.items():
            request.add_query_param(name, str(value))
        return json.loads((client or self.client).do_action_with_exception(request))

    def new_client(self):
        """A client of its own, for another thread."""
        return AcsClient(AK, SECRET, "cn-hangzhou", port=self.port, timeout=600, connect_timeout=10)

    def call(self, action, client=None, **params):
        """ECS."""
        return self.rpc("2014-05-26", action, client, **params)

    def ess(self, action, **params):
        """Auto Scaling, 2014-08-28."""
        return self.rpc("2014-08-28", action, **params)

    def key(self, name):
        body = self.call("CreateKeyPair", KeyPairName=name)
        path = self.work / f"{name}.pem"
        path.write_text(body["PrivateKeyBody"])
        path.chmod(0o600)
        return path

    def run_instances(self, amount, client=None, region="cn-hangzhou", **params):
        """RunInstances (which returns with the instances Pending), then waits until every one is Running. Returns the
        ids and the seconds from the call to the last one Running."""
        start = time.monotonic()
        reply = self.call("RunInstances", client, RegionId=region, ImageId="debian_12_x64_keyward.vhd", InstanceType="ecs.g7.large", Amount=amount,
                          **params)
        ids = reply["InstanceIdSets"]["InstanceIdSet"]
        if len(ids) != amount:
            raise RuntimeError(f"RunInstances Amount={amount} returned {len(ids)} ids")
        waiting = set(ids)
        deadline = start + 600
        while waiting:
            batch = sorted(waiting)[:100]
            items = self.call("DescribeInstances", client, RegionId=region, InstanceIds=json.dumps(batch), PageSize=100)["Instances"]["Instance"]
            for item in items:
                if item["Status"] == "Running":
                    waiting.discard(item["InstanceId"])
                elif item["Status"] == "Stopped":
                    raise RuntimeError(f"{item['InstanceId']} did not start: {item.get('StartFailure') or item}")
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"{len(waiting)} of {amount} instances not Running after 600 s")
            if waiting:
                time.sleep(0.05)
        return ids, time.monotonic() - start

    def address(self, instance_id):
        item = self.call("DescribeInstances", InstanceIds=json.dumps([instance_id]))["Instances"]["Instance"][0]
        return item["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def keyward_reboot_to_login(kw):
    first = kw.key("bench-boot-0")
    instance_id = kw.run_instances(1, KeyPairName="bench-boot-0")[0][0]
    host = kw.address(instance_id)
    wait_login(first, host)
    samples = []
    for round_ in range(1, REBOOTS + 1):
        name = f"bench-boot-{round_}"
        key = kw.key(name)
        kw.call("AttachKeyPair", KeyPairName=name, InstanceIds=json.dumps([instance_id]))
        start = time.monotonic()
        kw.call("RebootInstance", InstanceId=instance_id)
        wait_login(key, host)
        samples.append(time.monotonic() - start)
    kw.call("DeleteInstance", InstanceId=instance_id, Force="true")
    return samples


def keyward_hundred(kw):
    ids, elapsed = kw.run_instances(INSTANCES)
    namespaces = set()
    for instance_id in ids:
        info = json.loads((kw.work / "data/sandbox/instances" / instance_id / "info.json").read_text())
        namespaces.add(f"pid:[{info['pid-namespace']}]")
    memory = pss_kb(namespace_members(namespaces))
    for chunk in range(0, len(ids), 100):
        for instance_id in ids[chunk:chunk + 100]:
            kw.call("DeleteInstance", InstanceId=instance_id, Force="true")
    return elapsed, memory


def keyward_starts(kw, total):
    """Starts `total` instances in batches of 100; every batch must finish with every instance Running."""
    durations = []
    remaining = total
    while remaining > 0:
        batch = min(100, remaining)
        ids, elapsed = kw.run_instances(batch)
        durations.append(elapsed)
        for instance_id in ids:
            kw.call("DeleteInstance", InstanceId=instance_id, Force="true")
        remaining -= batch
    return durations


def with_key_pairs(kw, count):
    """Stops `kw`, inserts `count` key pairs into KEYS_REGION (the way bench.py's scale phase does, shaped like one
    imported through the API first), starts it again and describes every page of them; returns the new server."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench
    kw.call("ImportKeyPair", RegionId=bench.KW_DESCRIBE_REGION, KeyPairName="bench-template", PublicKeyBody=bench.ed25519_openssh_public("template"))
    kw.stop()
    bench.seed_key_pairs_in_db(kw.work / "data/keyward.sqlite3", KEYS_REGION, count, {bench.KW_DESCRIBE_REGION: 1})
    kw = Keyward(kw.binary, kw.work, subnet=kw.subnet)
    pages = -(-count // 50)
    for page in range(1, pages + 1):
        listed = kw.call("DescribeKeyPairs", RegionId=KEYS_REGION, PageSize=50, PageNumber=page)
        assert int(listed["TotalCount"]) == count and len(listed["KeyPairs"]["KeyPair"]) == min(50, count - (page - 1) * 50), listed["TotalCount"]
    print(f"{count} key pairs in {KEYS_REGION}, all {pages} pages described once", flush=True)
    return kw


def keyward_concurrent(kw, total):
    """Seconds from RunInstances (Amount=100 at most, as ECS allows; 200 per region, the quota; every call at once) to
    all `total` Running; PSS (KiB) of all of them and the server's RSS (KiB) with all running."""
    from concurrent.futures import ThreadPoolExecutor
    calls = [(CONCURRENT_REGIONS[start // 200], min(100, total - start)) for start in range(0, total, 100)]
    if total > 200 * len(CONCURRENT_REGIONS):
        raise RuntimeError(f"{total} instances need more than {len(CONCURRENT_REGIONS)} regions of 200")
    start = time.monotonic()
    with ThreadPoolExecutor(len(calls)) as pool:
        launched = list(pool.map(lambda call: kw.run_instances(call[1], client=kw.new_client(), region=call[0]), calls))
    elapsed = time.monotonic() - start
    ids = [instance_id for call_ids, _ in launched for instance_id in call_ids]
    namespaces = set()
    for instance_id in ids:
        info = json.loads((kw.work / "data/sandbox/instances" / instance_id / "info.json").read_text())
        namespaces.add(f"pid:[{info['pid-namespace']}]")
    memory = pss_kb(namespace_members(namespaces))
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{kw.proc.pid}/status").read_text().splitlines() if line.startswith("VmRSS:"))
    print(f"{len(ids)} Running after {elapsed:.1f} s; releasing them", flush=True)
    start = time.monotonic()
    for (region, _), (call_ids, _) in zip(calls, launched):
        numbered = {f"InstanceId.{n + 1}": instance_id for n, instance_id in enumerate(call_ids)}
        kw.call("DeleteInstances", RegionId=region, Force="true", **numbered)
    released = time.monotonic() - start
    return elapsed, len(ids), memory, rss, [round(seconds, 1) for _, seconds in launched], released


SCALE_STEPS = [int(n) for n in os.environ.get("BENCH_SCALE_STEPS", "10,50").split(",") if n]


def wait_activity_done(kw, group, limit=600):
    deadline = time.monotonic() + limit
    while True:
        latest = kw.ess("DescribeScalingActivities", RegionId="cn-hangzhou", ScalingGroupId=group, PageSize=1)["ScalingActivities"]["ScalingActivity"]
        if not latest or latest[0]["StatusCode"] != "InProgress":
            if latest and latest[0]["StatusCode"] != "Successful":
                raise RuntimeError(f"scaling activity ended {latest[0]['StatusCode']}: {latest[0].get('StatusMessage')}")
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"scaling activity still in progress after {limit} s")
        time.sleep(0.05)


def keyward_scaling(kw):
    """Seconds from ScaleWithAdjustment +N to N members InService, and from RunInstances Amount=N to its reply."""
    group = kw.ess("CreateScalingGroup", RegionId="cn-hangzhou", MinSize=0, MaxSize=max(SCALE_STEPS), ScalingGroupName="bench-asg")["ScalingGroupId"]
    configuration = kw.ess("CreateScalingConfiguration", ScalingGroupId=group, ImageId="debian_12_x64_keyward.vhd",
                           InstanceType="ecs.g7.large")["ScalingConfigurationId"]
    kw.ess("EnableScalingGroup", ScalingGroupId=group, ActiveScalingConfigurationId=configuration)
    results = []
    for step in SCALE_STEPS:
        start = time.monotonic()
        kw.ess("ScaleWithAdjustment", ScalingGroupId=group, AdjustmentType="TotalCapacity", AdjustmentValue=step)
        deadline = start + 600
        while True:
            members = kw.ess("DescribeScalingInstances", RegionId="cn-hangzhou", ScalingGroupId=group, LifecycleState="InService", PageSize=50)
            if members["TotalCount"] >= step:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"scale-out to {step} not InService within 600 s: {members['TotalCount']}")
            time.sleep(0.05)
        scaled = time.monotonic() - start
        # The members are InService as they start; the activity records its end a moment later.
        wait_activity_done(kw, group)
        kw.ess("ScaleWithAdjustment", ScalingGroupId=group, AdjustmentType="TotalCapacity", AdjustmentValue=0)
        wait_activity_done(kw, group)
        ids, direct = kw.run_instances(step)
        for instance_id in ids:
            kw.call("DeleteInstance", InstanceId=instance_id, Force="true")
        results.append((step, scaled, direct))
    kw.ess("DeleteScalingGroup", ScalingGroupId=group, ForceDelete="true")
    return results


def recipe(*args, env):
    return subprocess.run(["bash", str(RECIPE), *args], env=env, capture_output=True, text=True, check=True)


def recipe_runs(work):
    env = dict(os.environ, RI_BASE=str(work / "recipe"), RI_BRIDGE="ribench0", RI_SUBNET_PREFIX="10.213.251")
    recipe("image-base", "img", env=env)
    key = work / "recipe-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    recipe("create", "boot", "img", "netns", "1", env=env)
    recipe("apply-key", "boot", f"{key}.pub", env=env)
    recipe("start", "boot", env=env)
    wait_login(key, "10.213.251.11")
    samples = []
    for round_ in range(REBOOTS):
        rotated = work / f"recipe-key-{round_}"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(rotated)], check=True)
        recipe("apply-key", "boot", f"{rotated}.pub", env=env)
        start = time.monotonic()
        recipe("restart", "boot", env=env)
        wait_login(rotated, "10.213.251.11")
        samples.append(time.monotonic() - start)
    recipe("destroy", "boot", env=env)
    count = min(INSTANCES, 200)
    start = time.monotonic()
    for index in range(count):
        recipe("create", f"r{index}", "img", "netns", str(index + 2), env=env)
        recipe("start", f"r{index}", env=env)
    elapsed = time.monotonic() - start
    namespaces = set()
    for index in range(count):
        info = (work / "recipe/instances" / f"r{index}" / "run/info.json").read_text()
        namespaces.add(f"pid:[{json.loads(info)['pid-namespace']}]")
    memory = pss_kb(namespace_members(namespaces))
    recipe("teardown", env=env)
    return samples, elapsed, memory, count


def main():
    assert os.geteuid() == 0, "the instance benchmark runs sandboxes and needs root"
    binary = sys.argv[1]
    work = Path(tempfile.mkdtemp(prefix="kw-bench-instances-"))
    kw = Keyward(binary, work, subnet="10.212.0.0/20" if CONCURRENT else "10.213.250")
    starts = concurrent = None
    try:
        if CONCURRENT:
            if KEYS:
                kw = with_key_pairs(kw, KEYS)
            concurrent = keyward_concurrent(kw, CONCURRENT)
        elif STARTS:
            starts = keyward_starts(kw, STARTS)
        else:
            reboots = keyward_reboot_to_login(kw)
            hundred, memory = keyward_hundred(kw)
            scaling = keyward_scaling(kw)
    finally:
        kw.stop()
        # Instances outlive their control plane by design: power off whatever this run left.
        for info in (work / "data/sandbox/instances").glob("*/info.json"):
            try:
                os.kill(json.loads(info.read_text())["child-pid"], signal.SIGKILL)
            except (OSError, ValueError, KeyError):
                pass
        subprocess.run(["ip", "link", "del", "kwbrbench"], capture_output=True)
        # Only this run's namespaces: other servers on the host (tests, a developer's) keep theirs.
        for instance in (work / "data/sandbox/instances").glob("*"):
            subprocess.run(["ip", "netns", "del", f"kw-{instance.name}"], capture_output=True)
    if concurrent is not None:
        elapsed, count, memory, rss, per_call, released = concurrent
        print(f"{count} instances from RunInstances to all Running at once: {elapsed:.1f} s (each call of 100: {per_call} s); "
              f"PSS per instance {memory / count:.0f} KiB; server RSS with all running"
              f"{f' and {KEYS} key pairs' if KEYS else ''} {rss / 1024:.1f} MiB; "
              f"DeleteInstances of all, 100 per call: {released:.1f} s")
        shutil.rmtree(work, ignore_errors=True)
        return
    if starts is not None:
        print(f"started {STARTS} instances in {len(starts)} batches: every batch finished, every instance Running; "
              f"batch seconds: {', '.join(f'{d:.1f}' for d in starts)}; total {sum(starts):.1f} s")
        shutil.rmtree(work, ignore_errors=True)
        return
    peer = recipe_runs(work) if RECIPE.exists() else None
    rows = [("reboot -> login p50 (ms)", statistics.median(reboots) * 1000, peer and statistics.median(peer[0]) * 1000),
            ("reboot -> login p95 (ms)", pctl(reboots, 95) * 1000, peer and pctl(peer[0], 95) * 1000),
            (f"start {INSTANCES} instances (s)", hundred, peer and peer[1] * INSTANCES / peer[3]),
            ("memory per instance, PSS (KiB)", memory / INSTANCES, peer and peer[2] / peer[3])]
    print(f"\nInstances benchmark ({os.cpu_count()} cores); peer = shell recipe (bash + bwrap + sshd); ratio = peer/Keyward, >1 is better")
    print(f"{'measure':34} {'Keyward':>10} {'recipe':>10} {'ratio':>7}")
    for name, ours, theirs in rows:
        ratio = f"{theirs / ours:.2f}" if theirs else "-"
        print(f"{name:34} {ours:10.1f} {theirs if theirs is not None else float('nan'):10.1f} {ratio:>7}")
    print(f"\nAuto Scaling; peer = RunInstances of the same count in this run; ratio = RunInstances/ScaleWithAdjustment, >1 is better")
    print(f"{'measure':34} {'Keyward':>10} {'RunInst':>10} {'ratio':>7}")
    for step, scaled, direct in scaling:
        print(f"{f'scale +{step} -> {step} InService (s)':34} {scaled:10.2f} {direct:10.2f} {direct / scaled:7.2f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
