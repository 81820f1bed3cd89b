"""Where attachments' bytes are kept: a local folder (the default) or an S3-compatible object
store (MinIO in compose), behind one small interface. Keys are ``ab/<32 hex>``, made here,
never a file name. ``put`` stores the whole stream or nothing: on a failure what was
written is removed and the error is raised.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

from minio import Minio
from minio.error import S3Error

CHUNK = 64 * 1024
PART_SIZE = 10 * 1024 * 1024  # S3 multipart part size: memory per upload in flight
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")


class BlobMissing(LookupError):
    """No blob under the key (it was removed from the store behind the service's back)."""


def new_key() -> str:
    """A random key: two hex digits of folder (at most 256 per level), 32 of name."""
    name = secrets.token_hex(16)
    return f"{name[:2]}/{name}"


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class BlobStore(Protocol):
    async def ready(self) -> None:
        """Make the folder or bucket exist (at the service's start)."""

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> None: ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The blob's bytes as a stream (``BlobMissing`` if there is none)."""
        ...

    async def delete(self, key: str) -> None: ...


class LocalBlobStore:
    """Files in a folder: written to a temporary file beside the blob, flushed to disk, then
    renamed into place (a reader never sees half a file; a crash leaves only a ``.part``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / _checked(key)

    async def ready(self) -> None:
        await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> None:
        path = self._path(key)
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        file = await asyncio.to_thread(open, temporary, "xb")
        try:
            try:
                async for chunk in chunks:
                    await asyncio.to_thread(file.write, chunk)
                await asyncio.to_thread(_flush, file)
            finally:
                file.close()
            await asyncio.to_thread(os.replace, temporary, path)
            await asyncio.to_thread(_sync_folder, path.parent)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    async def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            file = await asyncio.to_thread(open, self._path(key), "rb")
        except FileNotFoundError:
            raise BlobMissing(key) from None
        return _chunks(file.read, file.close)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)


async def _chunks(read: Callable[[int], bytes], close: Callable[[], None]) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(read, CHUNK):
            yield chunk
    finally:
        close()


def _flush(file: BinaryIO) -> None:
    file.flush()
    os.fsync(file.fileno())


def _sync_folder(folder: Path) -> None:
    """The rename itself on disk (POSIX: fsync the folder)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class S3BlobStore:
    """Objects in a bucket of an S3-compatible store, through the ``minio`` client (blocking:
    each call runs in a worker thread; the upload streams in 10 MiB parts)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client, self.bucket = client, bucket

    async def ready(self) -> None:
        if not await asyncio.to_thread(self.client.bucket_exists, self.bucket):
            await asyncio.to_thread(self.client.make_bucket, self.bucket)

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> None:
        reader = _BlockingReader(chunks, asyncio.get_running_loop())
        try:
            await asyncio.to_thread(self.client.put_object, self.bucket, _checked(key), reader, length=-1,
                                    part_size=PART_SIZE, num_parallel_uploads=1)
        except BaseException:  # a single-part upload stored nothing; minio aborts a multipart one
            await asyncio.shield(self.delete(key))
            raise

    async def open(self, key: str) -> AsyncIterator[bytes]:
        try:
            response = await asyncio.to_thread(self.client.get_object, self.bucket, _checked(key))
        except S3Error as error:
            if error.code == "NoSuchKey":
                raise BlobMissing(key) from None
            raise

        def close() -> None:
            response.close()
            response.release_conn()

        return _chunks(response.read, close)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.remove_object, self.bucket, _checked(key))


class _BlockingReader:
    """``read(size)`` over an async stream, for the worker thread the minio client runs in: each
    chunk is awaited on the event loop (an error of the stream is raised in the thread)."""

    def __init__(self, chunks: AsyncIterable[bytes], loop: asyncio.AbstractEventLoop) -> None:
        self._chunks, self._loop, self._rest, self._ended = aiter(chunks), loop, b"", False

    async def _next(self) -> bytes:
        try:
            return await anext(self._chunks)
        except StopAsyncIteration:
            self._ended = True
            return b""

    def read(self, size: int = -1) -> bytes:
        while not self._rest and not self._ended:
            self._rest = asyncio.run_coroutine_threadsafe(self._next(), self._loop).result()
        cut = len(self._rest) if size < 0 else size
        data, self._rest = self._rest[:cut], self._rest[cut:]
        return data


def blob_store(url: str, *, default_folder: Path, endpoint: str = "", access_key: str | None = None,
               secret_key: str | None = None, secure: bool = True, region: str | None = None) -> BlobStore:
    """The store ``url`` names: empty for ``default_folder``, ``file:///path`` (or a bare path)
    for a folder, ``s3://bucket`` for a bucket at ``endpoint`` (host:port)."""
    if not url:
        return LocalBlobStore(default_folder)
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc or not endpoint:
            raise ValueError("s3://<bucket> needs the bucket and the store's endpoint (host:port)")
        client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region)
        return S3BlobStore(client, parts.netloc)
    if parts.scheme == "file":
        return LocalBlobStore(Path(parts.path))
    if parts.scheme == "":
        return LocalBlobStore(Path(url))
    raise ValueError(f"blob store {url!r}: use file:///<folder> or s3://<bucket>")
