"""The ``file`` part of a ``multipart/form-data`` request body, read as it arrives (never
held whole in memory nor spooled): its file name first, then its bytes chunk by chunk.

    part = await file_part(request)       # reads up to the file part's headers
    await store(part.name, part.chunks())  # the rest of the body, as it comes

The other parts are skipped; a body that is not well-formed multipart is ``UnreadableUpload``
(its end is checked too: a cut-off upload is never taken for a whole file).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from services.workflow.domain.refusals import NoFilePart, UnreadableUpload

FIELD = b"file"


class FilePart:
    def __init__(self, stream: AsyncIterator[bytes], boundary: bytes) -> None:
        self._stream = stream
        self.name: str | None = None
        self._pending: list[bytes] = []
        self._in_file = self._file_done = self._ended = False
        self._headers: dict[bytes, bytes] = {}
        self._field = self._value = b""
        self._parser = MultipartParser(boundary, callbacks={
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._data,
            "on_part_end": self._part_end, "on_end": self._end})

    # -- parser callbacks -----------------------------------------------------------------------
    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        kind, options = parse_options_header(self._headers.get(b"content-disposition"))
        if self.name is None and kind == b"form-data" and options.get(b"name") == FIELD and b"filename" in options:
            self.name = options[b"filename"].decode("utf-8", "replace")
            self._in_file = True

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._pending.append(data[start:end])

    def _part_end(self) -> None:
        if self._in_file:
            self._in_file, self._file_done = False, True

    def _end(self) -> None:
        self._ended = True

    # -- reading ----------------------------------------------------------------------------------
    async def _read_more(self) -> bool:
        """Feed the parser the next chunk of the body; False at the end of the body."""
        async for chunk in self._stream:
            if chunk:
                try:
                    self._parser.write(chunk)
                except MultipartParseError as error:
                    raise UnreadableUpload(f"malformed multipart body: {error}") from None
                return True
        if not self._ended:
            raise UnreadableUpload("the multipart body ended before its closing boundary")
        return False

    async def _until_named(self) -> None:
        while self.name is None:
            if self._ended or not await self._read_more():
                raise NoFilePart()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes; the body is read to its end (UnreadableUpload if it is cut off)."""
        while True:
            while self._pending:
                yield self._pending.pop(0)
            if self._ended or not await self._read_more():
                break
        if not self._file_done:
            raise UnreadableUpload("the file part has no end")


async def file_part(request: Request) -> FilePart:
    """The request's file part, once its headers are read."""
    kind, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UnreadableUpload("send the file as multipart/form-data, in a part named 'file'")
    part = FilePart(aiter(request.stream()), boundary)
    await part._until_named()
    return part
