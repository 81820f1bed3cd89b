"""Task forms: JSON Schema files beside the BPMN (``workflows/forms/<name>.schema.json``, with an
optional ``<name>.uischema.json`` for the console), the form data checked with ``jsonschema``.

Forms are deployed and versioned with the BPMN: a version's documents hold them as
``forms/<file>``. A user task names its form as SpiffArena does (the ``formJsonSchemaFilename``
property, with ``formUiSchemaFilename``) or by the form's name in its ``kind`` property; the
completed form's data lands in the task data under the form's name (``review["decision"]``).
The schema is shown with the task in ``GET /tasks``.
"""

from __future__ import annotations

import json
import keyword
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from services.workflow.domain.attachment_refs import ATTACHMENT_FORMAT, is_attachment_id
from shared.contracts.text import multi_line

_BESIDE_THE_CODE = Path(__file__).resolve().parents[3] / "workflows" / "forms"  # a checkout
FORMS_DIR = Path(os.environ.get("DUBAN_FORMS_DIR") or (
    _BESIDE_THE_CODE if _BESIDE_THE_CODE.is_dir() else Path("workflows/forms")))  # else the image's /app/workflows
"""Where the platform's forms are read from (``DUBAN_FORMS_DIR`` overrides)."""
FORMS_PREFIX = "forms/"  # a version's form files, among its BPMN files
SUFFIXES = {".schema.json": ".uischema.json", "-schema.json": "-uischema.json"}  # ours, SpiffArena's
MAX_NAME = 40  # a form's name is its tasks' kind, stored with each open task
_FORMATS = FormatChecker(["date", "email", "uuid"])  # date-time would need an extra package
_FORMATS.checks(ATTACHMENT_FORMAT)(is_attachment_id)  # an uploaded file's id (attachment_refs.py)


class InvalidForm(ValueError):
    """Form data its task's form refuses; ``detail`` names each field under ``data``, as a
    request body's ``data`` member (so the console shows each message on its field)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc'])) or 'data'}: {e['msg']}" for e in errors))
        self.errors = errors
        self.detail = [{"loc": ["data", *e["loc"]], "msg": e["msg"]} for e in errors]


class BadFormFile(ValueError):
    """A form file that is not a usable JSON Schema of an object."""


@dataclass(frozen=True)
class Form:
    name: str
    schema: dict[str, Any]
    ui_schema: dict[str, Any] | None
    validator: Draft202012Validator

    @property
    def fields(self) -> set[str]:
        return set(self.schema.get("properties", {}))

    def validate(self, data: Any) -> dict[str, Any]:
        """The data as the process stores it: text cleaned as every contract's text is (line breaks
        made ``\\n``, control characters dropped, ends stripped), defaults of missing fields filled
        in; or ``InvalidForm`` with every error on its field."""
        if not isinstance(data, dict):
            raise InvalidForm([{"loc": [], "msg": "form data must be an object"}])
        cleaned = _cleaned(data)
        for key, spec in self.schema.get("properties", {}).items():
            if key not in cleaned and isinstance(spec, dict) and "default" in spec:
                cleaned[key] = json.loads(json.dumps(spec["default"]))  # a copy: never share the schema's
        errors = sorted(self.validator.iter_errors(cleaned), key=lambda e: (list(e.absolute_path), e.message))
        if errors:
            raise InvalidForm([{"loc": _loc(e), "msg": e.message} for e in errors])
        return cleaned


def _cleaned(value: Any) -> Any:
    """Every string in the data, at any depth, cleaned as contract text (no lone surrogates either)."""
    if isinstance(value, str):
        return multi_line(value)
    if isinstance(value, dict):
        return {multi_line(k) if isinstance(k, str) else k: _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def _loc(error: Any) -> list[Any]:
    """The field an error is about: a missing required field is named, not its parent."""
    loc = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.message, str) and error.message.endswith(
            " is a required property"):
        loc.append(error.message.split("'")[1])
    return loc


def parse_form(name: str, schema_text: bytes | str, ui_text: bytes | str | None = None) -> Form:
    """A form from its files; ``BadFormFile`` when the schema is not valid JSON Schema of an object."""
    try:
        schema = json.loads(schema_text)
        ui_schema = json.loads(ui_text) if ui_text is not None else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadFormFile(f"not valid JSON: {exc}") from None
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise BadFormFile('the schema must be an object with "type": "object"')
    if ui_schema is not None and not isinstance(ui_schema, dict):
        raise BadFormFile("the UI schema must be a JSON object")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise BadFormFile(f"not a valid JSON Schema (2020-12): {exc.message}") from None
    return Form(name, schema, ui_schema, Draft202012Validator(schema, format_checker=_FORMATS))


def form_name(file_name: str) -> str | None:
    """The form a schema file holds (``report.schema.json`` or SpiffArena's ``report-schema.json``:
    ``report``; ``leader-comment-schema.json``: ``leader_comment``, a name conditions can read);
    None for a file that is no form schema (a UI schema, say)."""
    for suffix in SUFFIXES:
        if file_name.endswith(suffix) and not file_name.endswith(SUFFIXES[suffix]):
            return file_name[: -len(suffix)].replace("-", "_")
    return None


def ui_file_of(schema_file: str) -> str:
    """The UI schema file that goes with a schema file."""
    suffix = next(s for s in SUFFIXES if schema_file.endswith(s))
    return schema_file[: -len(suffix)] + SUFFIXES[suffix]


def task_form(properties: Mapping[str, str]) -> str | None:
    """The name of the form a user task names: ``formJsonSchemaFilename`` (SpiffArena's
    property), else ``kind``."""
    file_name = properties.get("formJsonSchemaFilename")
    return (form_name(file_name) or file_name) if file_name else properties.get("kind")


def load_forms(files: Mapping[str, bytes]) -> dict[str, Form]:
    """The forms among ``files`` (name -> content; ``x.schema.json`` with its ``x.uischema.json``).
    ``BadFormFile`` names the file that cannot be used."""
    found: dict[str, Form] = {}
    for file_name, content in sorted(files.items()):
        name = form_name(file_name)
        if name is None:
            continue
        if not (name.isidentifier() and not keyword.iskeyword(name) and len(name) <= MAX_NAME):
            raise BadFormFile(f"{file_name}: a form's name is at most {MAX_NAME} letters, digits, '_' or '-' (read "
                              "as '_'), not starting with a digit (its data lands under it: "
                              "leader_comment[\"comment\"])")
        if name in found:
            raise BadFormFile(f"{file_name}: a second file for form '{name}'")
        try:
            found[name] = parse_form(name, content, files.get(ui_file_of(file_name)))
        except BadFormFile as exc:
            raise BadFormFile(f"{file_name}: {exc}") from None
    return found


def split_documents(documents: Mapping[str, bytes]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """A version's documents as (BPMN files, form files without the ``forms/`` prefix)."""
    bpmn = {name: xml for name, xml in documents.items() if not name.startswith(FORMS_PREFIX)}
    return bpmn, {name.removeprefix(FORMS_PREFIX): content for name, content in documents.items()
                  if name.startswith(FORMS_PREFIX)}


def read_forms(folder: Path = FORMS_DIR) -> dict[str, Form]:
    return load_forms(read_form_files(folder))


def read_form_files(folder: Path) -> dict[str, bytes]:
    """The form files of a folder (none if there is no such folder)."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def forms_of(form_files: Mapping[str, bytes]) -> dict[str, Form]:
    """A version's forms; a version stored before forms were deployed with the BPMN has none
    and uses the platform's."""
    return load_forms(form_files) if form_files else FORMS


FORMS: dict[str, Form] = read_forms()
"""The platform's forms (workflows/forms), by name."""
