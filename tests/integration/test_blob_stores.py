"""The attachments' blob stores against what they run on: a folder on disk, and an
S3-compatible store (moto's S3 server on a free port, spoken to with the minio client)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from minio import Minio

from services.workflow.adapters.blobs import (
    PART_SIZE,
    BlobMissing,
    BlobStore,
    LocalBlobStore,
    S3BlobStore,
    blob_store,
    new_key,
)
from tests.support.object_store import ACCESS_KEY, REGION, SECRET_KEY, s3_server


class Refused(Exception):
    pass


async def stream(content: bytes, chunk: int = 256 * 1024, fail_after: int | None = None) -> AsyncIterator[bytes]:
    for start in range(0, len(content), chunk):
        if fail_after is not None and start >= fail_after:
            raise Refused("the upload was refused half way")
        yield content[start:start + chunk]


async def read(store: BlobStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture(params=["folder", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "folder":
        made: BlobStore = LocalBlobStore(tmp_path / "blobs")
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        client = Minio(endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False, region=REGION)
        made = S3BlobStore(client, f"duban-{os.urandom(4).hex()}")
    await made.ready()
    await made.ready()  # twice is fine (every start)
    return made


async def test_a_blob_is_stored_read_back_and_removed(store: BlobStore) -> None:
    key, content = new_key(), os.urandom(700_000)
    await store.put(key, stream(content))
    assert await read(store, key) == content
    await store.delete(key)
    with pytest.raises(BlobMissing):
        await store.open(key)
    await store.delete(key)  # already gone: fine


async def test_a_large_blob_goes_in_parts(store: BlobStore) -> None:
    key, content = new_key(), os.urandom(PART_SIZE * 2 + 12345)
    await store.put(key, stream(content, chunk=1024 * 1024))
    assert await read(store, key) == content


@pytest.mark.parametrize("fail_after", [0, 300_000, PART_SIZE + 1024 * 1024])
async def test_a_failed_upload_leaves_nothing(store: BlobStore, fail_after: int, tmp_path: Path) -> None:
    key = new_key()
    with pytest.raises(Refused):
        await store.put(key, stream(os.urandom(PART_SIZE * 2), chunk=1024 * 1024, fail_after=fail_after))
    with pytest.raises(BlobMissing):
        await store.open(key)
    if isinstance(store, LocalBlobStore):
        assert [p for p in store.folder.rglob("*") if p.is_file()] == []  # no .part left behind
    else:
        client = store.client
        assert list(client.list_objects(store.bucket, recursive=True)) == []
        assert client._list_multipart_uploads(store.bucket).uploads == []  # the multipart upload was aborted


def test_keys_are_random_and_never_paths(tmp_path: Path) -> None:
    keys = {new_key() for _ in range(100)}
    assert len(keys) == 100 and all(len(k) == 35 and k[2] == "/" and k[:2] == k[3:5] for k in keys)
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path)._path("../etc/passwd")


def test_the_store_is_chosen_by_url(tmp_path: Path) -> None:
    assert blob_store("", default_folder=tmp_path).folder == tmp_path
    assert blob_store(f"file://{tmp_path}/x", default_folder=tmp_path).folder == tmp_path / "x"
    s3 = blob_store("s3://duban-files", default_folder=tmp_path, endpoint="minio:9000", access_key="a",
                    secret_key="b", secure=False)
    assert isinstance(s3, S3BlobStore) and s3.bucket == "duban-files"
    for bad in ("s3://duban-files", "ftp://x"):
        with pytest.raises(ValueError):
            blob_store(bad, default_folder=tmp_path)
