// A bulletin as its approval task shows it (编写通报按语, 审批通报): what it is, the draft document to
// download, and its figures, the same as the bulletin's own page.
import { Button, Card, Descriptions, Space, Tag } from "antd";
import { Link } from "react-router-dom";
import { KINDS, STATES, type Bulletin } from "../bulletins";
import { formatDate } from "../format";
import { useBulletinDownload } from "../useBulletinDownload";
import { useResource } from "../useResource";
import { BulletinFigures } from "./BulletinFigures";
import { Loaded } from "./Status";

export function BulletinReview({ id }: { id: string }) {
  const bulletin = useResource<Bulletin>(`/api/reporting/bulletins/${id}`);
  const download = useBulletinDownload();

  return (
    <Card size="small" title="通报草稿" style={{ marginBottom: 16 }} data-testid="bulletin-review"
      extra={<Link to={`/bulletins/${id}`}>打开通报页</Link>}>
      <Loaded resource={bulletin}>
        {(b) => (
          <>
            <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} style={{ marginBottom: 16 }}>
              <Descriptions.Item label="文号">{b.number ?? "（未编号）"}</Descriptions.Item>
              <Descriptions.Item label="类型">{KINDS[b.kind] ?? b.kind}</Descriptions.Item>
              <Descriptions.Item label="期间">{formatDate(b.period_from)}至{formatDate(b.period_to)}</Descriptions.Item>
              <Descriptions.Item label="状态"><Tag>{STATES[b.status] ?? b.status}</Tag></Descriptions.Item>
              <Descriptions.Item label="草稿文档" span={2}>
                <Space wrap>
                  <Button type="link" style={{ padding: 0 }} onClick={() => download(b, "docx")}>下载草稿（Word）</Button>
                  <Button type="link" style={{ padding: 0 }} onClick={() => download(b, "pdf")}>下载草稿（PDF）</Button>
                </Space>
              </Descriptions.Item>
            </Descriptions>
            <BulletinFigures figures={b.figures} />
          </>
        )}
      </Loaded>
    </Card>
  );
}
