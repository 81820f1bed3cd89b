"""The JSON Schema of each task form, as GET /tasks shows it."""

from services.workflow.domain import forms


def test_each_forms_schema_is_built_once_and_is_the_models_own() -> None:
    for kind, model in forms.FORMS.items():
        assert forms.schema_of(kind) == model.model_json_schema()
        assert forms.schema_of(kind) is forms.schema_of(kind)  # cached, not rebuilt per task
    assert forms.schema_of("report")["required"] == ["report_type", "content"]
