"""Drive cloud-init's DataSourceAliYun against Keyward's metadata service (not a test module: run by
instance_helpers.run_cloudinit_aliyun inside an instance's network namespace).

usage: cloudinit_aliyun_driver.py <cloudinit-package-root> <metadata-base-url> <workdir>
Prints one JSON line: get_data, cloud_name, instance_id, hostname, ssh_keys, userdata_raw, metadata.
Adapted from the reference recipe cloudinit_aliyun_datasource_driver.py: the only change is the URL (the
real 100.100.100.200, no port) and the output format. The DMI platform check is patched, as in the recipe.
"""
import json
import sys
import tempfile

pkg, base_url, workdir = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, pkg)

from unittest import mock  # noqa: E402

from cloudinit import helpers  # noqa: E402
from cloudinit.sources import DataSourceAliYun as ay  # noqa: E402

cfg = {"datasource": {"AliYun": {"metadata_urls": [base_url], "timeout": 5, "max_wait": 20, "retries": 2}}}
run_dir = tempfile.mkdtemp(dir=workdir)
cloud_dir = tempfile.mkdtemp(dir=workdir)
paths = helpers.Paths({"run_dir": run_dir, "cloud_dir": cloud_dir})
distro = mock.MagicMock()
with mock.patch.object(ay, "_is_aliyun", return_value=True):
    ds = ay.DataSourceAliYun(cfg, distro, paths)
    ok = ds.get_data()


def _plain(v):
    if isinstance(v, bytes):
        return v.decode(errors="replace")
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


out = {
    "get_data": bool(ok),
    "cloud_name": ds.cloud_name,
    "instance_id": ds.get_instance_id() if ok else None,
    "hostname": ds.get_hostname().hostname if ok else None,
    "ssh_keys": ds.get_public_ssh_keys() if ok else [],
    "userdata_raw": _plain(ds.userdata_raw),
    "metadata": _plain(ds.metadata),
}
sys.stdout.write(json.dumps(out) + "\n")
