// A task's form, rendered from the JSON Schema and UI schema of its item's definition version
// (react-jsonschema-form, Ant Design theme); the service's 422 shown on the field it names.
import Form from "@rjsf/antd";
import type { RJSFSchema, RJSFValidationError, UiSchema, ErrorSchema, FieldProps } from "@rjsf/utils";
import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020";
import localizeChinese from "ajv-i18n/localize/zh";
import { Button, Upload, message } from "antd";
import { useState } from "react";
import { useAuth } from "../auth";
import { ApiError } from "../api";

// the workflow's forms are JSON Schema 2020-12; "attachment" is an id from POST /attachments
// (messages in Chinese)
export const validator = customizeValidator(
  { AjvClass: Ajv2020, customFormats: { attachment: /^.+$/ } },
  localizeChinese as never,
);

/** The field's own message, not the "if/then" wrapper's that repeats it. */
export function transformErrors(errors: RJSFValidationError[]): RJSFValidationError[] {
  return errors.filter((error) => error.name !== "if" && error.name !== "then" && error.name !== "else");
}

type Uploaded = { id: string; name: string; size: number };

/** An array of attachment ids: upload files to the workflow service, keep their ids. */
function AttachmentsField(props: FieldProps) {
  const { api } = useAuth();
  const ids: string[] = Array.isArray(props.formData) ? props.formData : [];
  const [files, setFiles] = useState<Uploaded[]>([]);
  const [busy, setBusy] = useState(false);
  return (
    <div style={{ marginBottom: 16 }}>
      <div style={{ marginBottom: 8 }}>{props.schema.title ?? "附件"}</div>
      <Upload
        multiple
        showUploadList={false}
        customRequest={async ({ file }) => {
          setBusy(true);
          const body = new FormData();
          body.append("file", file as Blob);
          try {
            const uploaded = await api<Uploaded>("/api/workflow/attachments", { method: "POST", body });
            setFiles((found) => [...found, uploaded]);
            props.onChange([...ids, uploaded.id], props.fieldPathId.path);
          } catch (e) {
            message.error(`上传失败：${(e as ApiError).message}`);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Button loading={busy}>上传附件</Button>
      </Upload>
      <ul data-testid="attachments">
        {ids.map((id) => (
          <li key={id}>{files.find((f) => f.id === id)?.name ?? id}</li>
        ))}
      </ul>
      {props.rawErrors?.map((text) => (
        <div key={text} style={{ color: "#ff4d4f" }}>
          {text}
        </div>
      ))}
    </div>
  );
}

/** The UI schema with the attachments field for every array of attachment ids. */
export function withAttachmentFields(schema: RJSFSchema, ui: UiSchema): UiSchema {
  const result: UiSchema = { ...ui };
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const items = typeof property === "object" ? (property as RJSFSchema).items : undefined;
    if (items && typeof items === "object" && !Array.isArray(items) && (items as RJSFSchema).format === "attachment") {
      result[name] = {
        "ui:description": "可上传PDF、图片、Office文档、OFD或文本文件",
        ...(ui[name] as object),
        "ui:field": "attachments",
      };
    }
  }
  return result;
}

export function TaskForm({
  schema,
  uiSchema,
  serverErrors,
  submitting,
  onSubmit,
}: {
  schema: RJSFSchema;
  uiSchema: UiSchema;
  serverErrors: ErrorSchema | undefined;
  submitting: boolean;
  onSubmit: (data: Record<string, unknown>) => void;
}) {
  const [data, setData] = useState<Record<string, unknown>>({});
  // the validator knows 2020-12 already; an $id would clash with the last form compiled under it
  const { $schema: _schema, $id: _id, ...rest } = schema as RJSFSchema & { $schema?: string };
  return (
    <Form
      schema={rest as RJSFSchema}
      uiSchema={{
        ...withAttachmentFields(schema, uiSchema),
        "ui:submitButtonOptions": { norender: true },
        "ui:options": { label: false }, // the card says which task it is
      }}
      validator={validator}
      transformErrors={transformErrors}
      formData={data}
      onChange={(event) => setData(event.formData)}
      onSubmit={(event) => onSubmit(event.formData)}
      extraErrors={serverErrors}
      fields={{ attachments: AttachmentsField }}
      showErrorList={false}
      noHtml5Validate
    >
      <Button type="primary" htmlType="submit" loading={submitting}>
        提交
      </Button>
    </Form>
  );
}
