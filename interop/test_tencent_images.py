"""Tencent CVM catalog actions on the simulated-driver server: DescribeImages (the public Debian image under a stable
img- id, filters, paging), CreateImage / DeleteImages of custom images, DescribeInstanceTypeConfigs.
Reference: tencent-cvm-api.md §5, §8."""
from __future__ import annotations

import pytest

import kwhelpers as kw
import tencent_helpers as th
from tencent_helpers import REGION, ZONE, expect_error


@pytest.fixture(params=th.SIGN_METHODS)
def cvm(request, live_server):
    return th.Cvm(live_server, sign_method=request.param)


@pytest.fixture
def tc3(live_server):
    return th.Cvm(live_server)


def flt(**filters):
    return [{"Name": k.replace("_", "-"), "Values": v} for k, v in filters.items()]


def test_public_debian_image(cvm):
    image_id = th.debian_image(cvm)
    (img,) = th.images_of(cvm.DescribeImages(ImageIds=[image_id]))
    assert img["ImageId"] == image_id and th.IMG_RE.match(image_id)
    assert img["ImageType"] == "PUBLIC_IMAGE" and img["Platform"] == "Debian", img
    assert img["OsName"].startswith("Debian 12"), img
    assert img["ImageState"] == "NORMAL" and img["ImageSource"] == "OFFICIAL", img
    assert img["ImageName"], img
    # Stable: the same id on every call and through every signature.
    assert th.debian_image(th.Cvm(cvm.server, sign_method=th.TC3)) == image_id


def test_public_image_id_is_stable_across_restarts(fresh_server_factory):
    srv = fresh_server_factory()
    before = th.debian_image(th.Cvm(srv))
    th._debian_cache.pop(srv.port, None)
    srv.restart()
    assert th.debian_image(th.Cvm(srv)) == before
    other = fresh_server_factory()
    assert th.debian_image(th.Cvm(other)) == before, "the public image's id differs between two servers"


def test_describe_images_filters(cvm):
    image_id = th.debian_image(cvm)

    def ids(**filters):
        return [i["ImageId"] for i in th.images_of(cvm.DescribeImages(Filters=flt(**filters), Limit=100))]

    assert image_id in ids(image_id=[image_id]) and ids(image_id=[image_id]) == [image_id]
    assert image_id in ids(image_type=["PUBLIC_IMAGE"])
    assert image_id not in ids(image_type=["PRIVATE_IMAGE"])
    assert image_id in ids(platform=["Debian"])
    assert image_id in ids(platform=["Debian"], image_type=["PUBLIC_IMAGE"])
    assert image_id not in ids(platform=["Windows"])
    name = th.images_of(cvm.DescribeImages(ImageIds=[image_id]))[0]["ImageName"]
    assert image_id in ids(image_name=[name])
    assert ids(image_id=[th.missing_image_id()]) == []


def test_describe_images_paging_and_errors(cvm):
    public = th.images_of(cvm.DescribeImages(Filters=flt(image_type=["PUBLIC_IMAGE"]), Limit=100))
    total = int(cvm.DescribeImages(Filters=flt(image_type=["PUBLIC_IMAGE"]), Limit=1)["TotalCount"])
    assert total == len(public) >= 1
    seen = []
    for offset in range(0, total):
        page = th.images_of(cvm.DescribeImages(Filters=flt(image_type=["PUBLIC_IMAGE"]), Offset=offset, Limit=1))
        assert len(page) == 1
        seen.append(page[0]["ImageId"])
    assert sorted(seen) == sorted(i["ImageId"] for i in public)
    image_id = th.debian_image(cvm)
    expect_error(cvm.DescribeImages, "InvalidParameter.InvalidParameterCoexistImageIdsFilters", ImageIds=[image_id],
                 Filters=flt(image_type=["PUBLIC_IMAGE"]))


def _running_instance(cvm, **login):
    (iid,) = th.run_instances(cvm, login=login or {"Password": th.strong_password()})
    th.wait_instance(cvm, iid, "RUNNING")
    return iid


def test_create_and_delete_image(tc3, live_server):
    iid = _running_instance(tc3)
    name = "kwimg" + kw.token(8)
    r = tc3.CreateImage(ImageName=name, InstanceId=iid, ImageDescription="interop")
    image_id = r["ImageId"]
    assert th.IMG_RE.match(image_id), r
    img = th.wait_image(tc3, image_id)
    assert img["ImageDescription"] == "interop", img
    assert img["ImageType"] == "PRIVATE_IMAGE" and img["ImageSource"] == "CREATE_IMAGE", img
    assert img["ImageName"] == name and img["Platform"] == "Debian", img
    assert th.ISO_UTC_RE.match(img["CreatedTime"]), img
    private = [i["ImageId"] for i in th.images_of(tc3.DescribeImages(Filters=flt(image_type=["PRIVATE_IMAGE"]),
                                                                      Limit=100))]
    public = [i["ImageId"] for i in th.images_of(tc3.DescribeImages(Filters=flt(image_type=["PUBLIC_IMAGE"]),
                                                                     Limit=100))]
    assert image_id in private and image_id not in public
    assert [i["ImageId"] for i in th.images_of(tc3.DescribeImages(Filters=flt(image_name=[name])))] == [image_id]

    # Launchable through Tencent.
    (clone,) = th.run_instances(tc3, image_id=image_id, login={"Password": th.strong_password()})
    assert th.wait_instance(tc3, clone, "RUNNING")["ImageId"] == image_id

    tc3.DeleteImages(ImageIds=[image_id])
    assert th.images_of(tc3.DescribeImages(ImageIds=[image_id])) == []
    count = th.instance_total(tc3)
    expect_error(tc3.RunInstances, "InvalidImageId.NotFound", Placement={"Zone": ZONE}, ImageId=image_id,
                 InstanceType=th.INSTANCE_TYPE, LoginSettings={"Password": th.strong_password()})
    assert th.instance_total(tc3) == count
    tc3.TerminateInstances(InstanceIds=[iid, clone])
    th.wait_gone(tc3, iid)
    th.wait_gone(tc3, clone)


def test_tencent_image_names_follow_tencents_rule(tc3):
    iid = _running_instance(tc3)
    try:
        # ECS would refuse a name starting with a digit; Tencent takes 1 to 60 characters.
        name = "1 " + kw.token(6)
        image_id = tc3.CreateImage(ImageName=name, InstanceId=iid)["ImageId"]
        assert th.wait_image(tc3, image_id)["ImageName"] == name
        tc3.DeleteImages(ImageIds=[image_id])
        expect_error(tc3.CreateImage, "InvalidParameterValue", ImageName="x" * 61, InstanceId=iid)
    finally:
        tc3.TerminateInstances(InstanceIds=[iid])
        th.wait_gone(tc3, iid)


def test_image_errors(tc3):
    expect_error(tc3.CreateImage, "InvalidInstanceId.NotFound", ImageName="kwimg" + kw.token(6),
                 InstanceId=th.missing_instance_id())
    iid = _running_instance(tc3)
    name = "kwimg" + kw.token(8)
    image_id = tc3.CreateImage(ImageName=name, InstanceId=iid)["ImageId"]
    th.wait_image(tc3, image_id)
    expect_error(tc3.CreateImage, "InvalidImageName.Duplicate", ImageName=name, InstanceId=iid)
    private = int(tc3.DescribeImages(Filters=flt(image_type=["PRIVATE_IMAGE"]), Limit=1)["TotalCount"])
    # A batch with an unknown image deletes nothing.
    with pytest.raises(th.sdk_exception()):
        tc3.DeleteImages(ImageIds=[image_id, th.missing_image_id()])
    assert th.images_of(tc3.DescribeImages(ImageIds=[image_id])), "a failed DeleteImages batch deleted an image"
    assert int(tc3.DescribeImages(Filters=flt(image_type=["PRIVATE_IMAGE"]), Limit=1)["TotalCount"]) == private
    tc3.DeleteImages(ImageIds=[image_id])
    tc3.TerminateInstances(InstanceIds=[iid])


# ---------------------------------------------------------------------------------------------
# DescribeInstanceTypeConfigs
# ---------------------------------------------------------------------------------------------

def test_describe_instance_type_configs(cvm):
    configs = cvm.DescribeInstanceTypeConfigs()["InstanceTypeConfigSet"]
    types = {(c["Zone"], c["InstanceType"]): c for c in configs}
    s5 = types.get((ZONE, th.INSTANCE_TYPE))
    assert s5 is not None, sorted(types)[:20]
    assert s5["InstanceFamily"] == "S5" and int(s5["CPU"]) == 2 and int(s5["Memory"]) == 2, s5
    assert all(c["Zone"].startswith(REGION + "-") for c in configs)
    assert all("." in c["InstanceType"] and c["InstanceType"].split(".")[0] == c["InstanceFamily"] for c in configs)
    assert not any(c["InstanceType"].startswith("ecs.") for c in configs), "Alibaba types leak into Tencent's list"

    def ts(**filters):
        return {(c["Zone"], c["InstanceType"]) for c in
                cvm.DescribeInstanceTypeConfigs(Filters=flt(**filters))["InstanceTypeConfigSet"]}

    assert ts(instance_type=[th.INSTANCE_TYPE]) and all(t == th.INSTANCE_TYPE for _, t in ts(instance_type=[th.INSTANCE_TYPE]))
    assert (ZONE, th.INSTANCE_TYPE) in ts(zone=[ZONE])
    assert all(z == ZONE for z, _ in ts(zone=[ZONE]))
    fam = ts(instance_family=["S5"])
    assert (ZONE, th.INSTANCE_TYPE) in fam and all(t.startswith("S5.") for _, t in fam)
    assert ts(instance_family=["S5"], zone=[ZONE]) <= fam
