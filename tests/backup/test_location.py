"""Folder and S3 locations (moto's standalone server on loopback): writing is all or nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from devoops.backup import location
from devoops.backup.location import Location, S3Settings, Unreachable, newest, open_location

KEYS = {"access_key_id": "AKIAEXAMPLEKEY00", "secret_access_key": "wJalrXUtnFEMIexampleSECRETkey0000"}


def client(s3: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=s3,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key_id"],
        aws_secret_access_key=KEYS["secret_access_key"],
    )


def located(s3: str, bucket: str) -> Location:
    client(s3).create_bucket(Bucket=bucket)
    return open_location(f"s3://{bucket}/daily", "", S3Settings(endpoint_url=s3, region="us-east-1", **KEYS))


@pytest.fixture(params=["folder", "s3"])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    if request.param == "folder":
        return open_location("backups", str(tmp_path))
    return located(request.getfixturevalue("s3"), f"b-{os.getpid()}-{abs(hash(str(tmp_path))) % 10**8}")


def leftovers(where: Location) -> list[str]:
    """What a failed write might leave: partial files or pending multipart uploads."""
    if isinstance(where, location.Folder):
        return [] if not os.path.isdir(where.path) else os.listdir(where.path)
    assert isinstance(where, location.S3)
    got = where.client().list_multipart_uploads(Bucket=where.bucket).get("Uploads", [])
    listed = where.client().list_objects_v2(Bucket=where.bucket).get("Contents", [])
    return [u["Key"] for u in got] + [o["Key"] for o in listed]


def test_create_list_head_open_delete(where: Location) -> None:
    data = os.urandom(3000)
    with where.create("shop-1.dump.zst.age") as out:
        out.write(data[:1000])
        out.write(data[1000:])
    with where.create("sub/other.txt") as out:
        out.write(b"")
    listed = where.list("*.age")
    assert [(b.name, b.size) for b in listed] == [("shop-1.dump.zst.age", 3000)]
    assert sorted(b.name for b in where.list("**/*")) == ["shop-1.dump.zst.age", "sub/other.txt"]
    assert newest(where.list("**/*")) is not None
    assert where.head("shop-1.dump.zst.age", 10)[0] == data[:10]
    reader = where.open("shop-1.dump.zst.age")
    try:
        assert reader.read() == data
    finally:
        reader.close()
    where.delete("shop-1.dump.zst.age")
    assert where.list("*.age") == []


def test_a_failed_write_leaves_nothing(where: Location) -> None:
    with pytest.raises(RuntimeError, match="the dump broke"), where.create("half.dump.zst.age") as out:
        out.write(os.urandom(5000))
        raise RuntimeError("the dump broke")
    assert leftovers(where) == []
    assert where.list("**/*") == []


def test_an_upload_larger_than_a_part_goes_in_parts(s3: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.s3.models

    monkeypatch.setattr(location, "PART", 4096)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1024)  # S3 asks 5 MiB a part
    where = located(s3, "parts")
    data = os.urandom(3 * 4096 + 100)
    with where.create("big") as out:
        for at in range(0, len(data), 1000):
            out.write(data[at : at + 1000])
    head = client(s3).head_object(Bucket="parts", Key="daily/big", PartNumber=1)
    assert head["PartsCount"] > 1
    assert where.open("big").read() == data


def test_unreachable_locations_say_why_without_credentials(tmp_path: Path, s3: str) -> None:
    with pytest.raises(Unreachable, match="does not exist"):
        open_location("nowhere", str(tmp_path)).list("*")
    (tmp_path / "file").write_text("x")
    with pytest.raises(Unreachable, match="cannot write"), open_location("file", str(tmp_path)).create("a"):
        pass
    missing = open_location(
        "s3://missing-bucket/x", "", S3Settings(endpoint_url=s3, region="us-east-1", **KEYS)
    )
    for attempt in (lambda: missing.list("*"), lambda: missing.create("a").__enter__()):
        with pytest.raises(Unreachable, match="NoSuchBucket") as told:
            attempt()
        assert KEYS["secret_access_key"] not in str(told.value)
    for bad in ("", "ftp://x/y", "s3:///y"):
        with pytest.raises(ValueError):
            open_location(bad)


def test_part_sizes_grow_so_ten_thousand_parts_hold_any_object(
    s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """S3 allows 10,000 parts: a fixed part size would cap the backup, so parts double every
    PART_GROWTH parts (up to MAX_PART), holding one part in memory at a time."""
    import moto.s3.models

    monkeypatch.setattr(location, "PART", 2048)
    monkeypatch.setattr(location, "PART_GROWTH", 2)
    monkeypatch.setattr(location, "MAX_PART", 8192)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1024)
    where = located(s3, "growing")
    sizes = [2048, 2048, 4096, 4096, 8192, 8192, 8192]  # doubling every 2 parts, capped
    data = os.urandom(sum(sizes) + 512)
    with where.create("big") as out:
        for at in range(0, len(data), 512):
            out.write(data[at : at + 512])
        uploads = client(s3).list_multipart_uploads(Bucket="growing")["Uploads"]
        (upload,) = uploads
        parts = client(s3).list_parts(Bucket="growing", Key="daily/big", UploadId=upload["UploadId"])
        assert [p["Size"] for p in parts["Parts"]] == sizes  # sent so far; the last 512 bytes wait
    assert where.open("big").read() == data
    assert [location.part_size(n) for n in (1, 2, 3, 5, 10_000)] == [2048, 2048, 4096, 8192, 8192]


def test_part_sizes_reach_s3s_largest_object_within_its_part_limit() -> None:
    total = sum(location.part_size(n) for n in range(1, 10_001))
    assert total >= 5 * 1024**4  # S3's largest object, 5 TiB
    assert max(location.part_size(n) for n in range(1, 10_001)) < 5 * 1024**3  # S3's largest part


def test_writes_are_retried_more_than_reads(s3: str) -> None:
    where = located(s3, "retries")
    assert isinstance(where, location.S3)
    writes = where.client(write=True).meta.config.retries["total_max_attempts"]
    assert writes == location.WRITE_ATTEMPTS > where.client().meta.config.retries["total_max_attempts"]


def test_exists_tells_a_stored_name_from_a_free_one(where: Location) -> None:
    assert not where.exists("shop-1.dump.zst.age")
    with where.create("shop-1.dump.zst.age") as out:
        out.write(b"x")
    assert where.exists("shop-1.dump.zst.age") and not where.exists("shop-2.dump.zst.age")
