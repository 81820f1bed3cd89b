"""Attachments without I/O: what a file is told from its bytes, its name, the ids a form
names, and who may download or name one."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from services.workflow.domain import forms
from services.workflow.domain.attachment_access import binding_refused, may_download
from services.workflow.domain.attachment_refs import attachment_refs, is_attachment_id
from services.workflow.domain.file_types import (
    HEAD_BYTES,
    TEXT,
    AttachmentTooLarge,
    FileCheck,
    UnsupportedFileType,
    clean_file_name,
)
from services.workflow.domain.forms import InvalidForm
from shared.identity import Principal, Role

PDF = b"%PDF-1.7\n" + b"0" * 20_000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
ZIP = b"PK\x03\x04" + b"\x00" * 100
EXE = b"MZ\x90\x00" + b"\x00" * 100 + b"PE\x00\x00" + b"\x00" * 100
ELF = b"\x7fELF" + b"\x00" * 100


def checked(content: bytes, name: str, chunk: int = 1000, max_bytes: int = 10**6) -> str:
    check = FileCheck(name, max_bytes)
    for start in range(0, len(content), chunk):
        check.feed(content[start:start + chunk])
    return check.finish()


@pytest.mark.parametrize(("content", "name", "media_type"), [
    (PDF, "报告.pdf", "application/pdf"), (PDF, "no-extension", "application/pdf"),
    (PNG, "a.png", "image/png"), (JPEG, "a.jpg", "image/jpeg"), (b"GIF89a" + b"\x00" * 50, "a.gif", "image/gif"),
    (ZIP, "a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (ZIP, "A.XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (ZIP, "电子公文.ofd", "application/ofd"), (OLE2, "旧.doc", "application/msword"),
    (OLE2, "旧.xls", "application/vnd.ms-excel"), (OLE2, "旧.ppt", "application/vnd.ms-powerpoint"),
    ("情况说明\n第二行".encode() * 3000, "说明.txt", TEXT),  # past the head, in many chunks
])
def test_accepted_types_are_told_from_the_content(content: bytes, name: str, media_type: str) -> None:
    assert checked(content, name) == media_type
    assert checked(content, name, chunk=7) == media_type


@pytest.mark.parametrize(("content", "name"), [
    (EXE, "a.exe"), (EXE, "a.pdf"), (ELF, "a.txt"), (ZIP, "a.zip"), (ZIP, "a.pdf"), (OLE2, "setup.msi"),
    (b"plain text", "a.csv"), (b"", "a.pdf"), (b"abc\x00def", "a.txt"), (b"\xff\xfe bad utf-8", "a.txt"),
    ("中".encode()[:2], "a.txt"),  # cut in the middle of a character
    ("文".encode() * HEAD_BYTES + b"\x00", "a.txt"),  # a NUL far past the head
    (b"<html><script>alert(1)</script>", "a.html"),
])
def test_other_content_is_refused(content: bytes, name: str) -> None:
    with pytest.raises(UnsupportedFileType):
        checked(content, name)


def test_a_file_past_the_limit_is_refused_as_soon_as_it_is() -> None:
    check = FileCheck("a.pdf", max_bytes=1500)
    check.feed(PDF[:1000])
    with pytest.raises(AttachmentTooLarge, match="1500 bytes"):
        check.feed(PDF[1000:2000])
    assert checked(PDF[:1500], "a.pdf", max_bytes=1500) == "application/pdf"  # the limit itself is fine


def test_an_executable_is_refused_at_its_first_bytes() -> None:
    check = FileCheck("a.pdf", max_bytes=10**9)
    with pytest.raises(UnsupportedFileType, match="not accepted"):
        check.feed(EXE + b"\x00" * HEAD_BYTES)


@pytest.mark.parametrize(("raw", "clean"), [
    ("报告（2026）.pdf", "报告（2026）.pdf"), ("C:\\Users\\x\\材料.docx", "材料.docx"), ("../../etc/passwd", "passwd"),
    ("a\x00b\r\nc.txt", "ab c.txt"), ("", "file"), ("..", "file"), ("名" * 300 + ".pdf", "名" * 251 + ".pdf"),
])
def test_file_names_are_cleaned(raw: str, clean: str) -> None:
    assert clean_file_name(raw) == clean


ID = "0b6f3c3e-7d1a-4c55-9a43-2d8a1f0e9b21"


def test_the_attachment_format_is_a_uuid() -> None:
    assert is_attachment_id(ID) and is_attachment_id(ID.upper())
    assert not is_attachment_id(ID.replace("-", "")) and not is_attachment_id("a.pdf")
    form = {"report_type": "progress", "content": "x"}
    assert forms.FORMS["report"].validate({**form, "attachments": [ID]})["attachments"] == [ID]
    with pytest.raises(InvalidForm) as refused:
        forms.FORMS["report"].validate({**form, "attachments": [ID, "验收报告.pdf"]})
    assert refused.value.detail[0]["loc"] == ["data", "attachments", 1]
    with pytest.raises(InvalidForm):
        forms.FORMS["report"].validate({**form, "attachments": [ID, ID]})  # each once


def test_the_forms_with_files() -> None:
    assert {name for name, form in forms.FORMS.items()
            if form.schema["properties"].get("attachments", {}).get("items", {}).get("format") == "attachment"} == {
        "report", "revisit", "explain", "self_check"}


def test_the_ids_a_form_names_are_found_at_any_depth() -> None:
    other = str(uuid.uuid4())
    schema = {"type": "object", "properties": {
        "attachments": {"type": "array", "items": {"type": "string", "format": "attachment"}},
        "cover": {"type": "string", "format": "attachment"},
        "sections": {"type": "array", "items": {"type": "object", "properties": {
            "files": {"type": "array", "items": {"type": "string", "format": "attachment"}}}}},
        "title": {"type": "string"}}}
    data = {"attachments": [ID], "cover": other, "sections": [{"files": []}, {"files": [ID]}], "title": ID}
    assert attachment_refs(schema, data) == [
        (("attachments", 0), uuid.UUID(ID)), (("cover",), uuid.UUID(other)), (("sections", 1, "files", 0), uuid.UUID(ID))]
    assert attachment_refs(forms.FORMS["report"].schema, {"report_type": "progress", "content": "x"}) == []


def person(username: str, unit: str | None, *roles: Role) -> Principal:
    return Principal(username=username, name=username, roles=frozenset(roles), unit=unit)


LIAISON = person("zjj-liaison", "zjj", Role.liaison)
HEAD = person("zjj-head", "zjj", Role.head)
OTHER = person("tiexi-liaison", "tiexi", Role.liaison)
OFFICE = person("office", None, Role.office)
ITEM = uuid.uuid4()


def row(item_id: uuid.UUID | None = None, bound: bool = False) -> SimpleNamespace:
    return SimpleNamespace(uploaded_by="zjj-liaison", uploader_unit="zjj", item_id=item_id,
                           bound_at="then" if bound or item_id else None)


def test_unbound_only_the_uploader_downloads_bound_whoever_sees_the_item() -> None:
    assert [may_download(p, row(), None) for p in (LIAISON, HEAD, OTHER, OFFICE)] == [True, False, False, False]
    bound = row(ITEM)
    assert [may_download(p, bound, ["zjj", "tiedong"]) for p in (LIAISON, HEAD, OTHER, OFFICE)] == [
        True, True, False, True]
    assert [may_download(p, bound, ["tiexi"]) for p in (LIAISON, OTHER)] == [False, True]
    outside_items = row(bound=True)  # a case a bulletin opened
    assert [may_download(p, outside_items, None) for p in (LIAISON, HEAD, OTHER, OFFICE)] == [True, True, False, True]


def test_a_form_names_its_unit_s_free_attachments_only() -> None:
    assert binding_refused(LIAISON, row(), ITEM) is None
    assert binding_refused(HEAD, row(), ITEM) is None  # the unit's
    assert binding_refused(LIAISON, row(ITEM), ITEM) is None  # named again in the same item
    assert binding_refused(OTHER, row(), ITEM) == "no such attachment"
    assert binding_refused(LIAISON, None, ITEM) == "no such attachment"
    assert "another" in binding_refused(LIAISON, row(uuid.uuid4()), ITEM)
    assert "another" in binding_refused(LIAISON, row(bound=True), None)
