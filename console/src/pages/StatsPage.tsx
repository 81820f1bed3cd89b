// 统计: per lead unit, items assigned, closed on time and overdue, and the on-time rate (ECharts).
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
import { Alert, Table, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { ApiError } from "../api";
import { useAuth } from "../auth";
import { Loading } from "../components/Status";
import { lastMonths, trendSeries, type MonthPeriod, type Totals } from "../trend";
import { Loaded } from "../components/Status";
import { useResource } from "../useResource";
import { formatDate } from "../format";
import { UNIT_FIGURE_COLUMNS } from "../components/unitColumns";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type UnitStats = {
  unit: string;
  unit_name: string;
  assigned: number;
  closed: number;
  on_time: number;
  overdue: number;
  returned: number;
  reopened: number;
  on_time_rate: number | null;
};
type Stats = { from: string; to: string; units: UnitStats[]; total: Totals };

function Chart({ units }: { units: UnitStats[] }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["交办", "按时办结", "逾期"], top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 90 },
      xAxis: { type: "category", data: units.map((u) => u.unit_name), axisLabel: { rotate: 40 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "交办", type: "bar", data: units.map((u) => u.assigned) },
        { name: "按时办结", type: "bar", data: units.map((u) => u.on_time) },
        { name: "逾期", type: "bar", data: units.map((u) => u.overdue), itemStyle: { color: "#cf1322" } },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [units]);
  return <div ref={element} style={{ height: 360 }} data-testid="stats-chart" />;
}

const TREND_MONTHS = 12;

/** The last months' totals, one GET /stats a month. */
function useTrend(): { months: MonthPeriod[]; totals: Totals[] | null; error: ApiError | null } {
  const { api } = useAuth();
  const [months] = useState(() => lastMonths(new Date(), TREND_MONTHS));
  const [state, setState] = useState<{ totals: Totals[] | null; error: ApiError | null }>({ totals: null, error: null });
  useEffect(() => {
    const controller = new AbortController();
    Promise.all(months.map((m) => api<Stats>(`/api/ledger/stats?from=${m.from}&to=${m.to}`, { signal: controller.signal })))
      .then((answers) => setState({ totals: answers.map((a) => a.total), error: null }))
      .catch((error) => {
        if (error?.name !== "AbortError") setState({ totals: null, error: error instanceof ApiError ? error : new ApiError(0, null) });
      });
    return () => controller.abort();
  }, [api, months]);
  return { months, ...state };
}

function TrendChart({ months, totals }: { months: MonthPeriod[]; totals: Totals[] }) {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!element.current) return;
    const chart = echarts.init(element.current);
    const series = trendSeries(totals);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["按时办结率（%）", "逾期", "交办"], top: 0 },
      grid: { left: 48, right: 48, top: 40, bottom: 40 },
      xAxis: { type: "category", data: months.map((m) => m.label) },
      yAxis: [
        { type: "value", name: "%", min: 0, max: 100 },
        { type: "value", name: "件", minInterval: 1 },
      ],
      series: [
        { name: "按时办结率（%）", type: "line", data: series.rate, connectNulls: true },
        { name: "逾期", type: "line", yAxisIndex: 1, data: series.overdue, itemStyle: { color: "#cf1322" } },
        { name: "交办", type: "line", yAxisIndex: 1, data: series.assigned },
      ],
    });
    const resize = () => chart.resize();
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      chart.dispose();
    };
  }, [months, totals]);
  return <div ref={element} style={{ height: 320 }} data-testid="trend-chart" />;
}

function Trend() {
  const trend = useTrend();
  return (
    <>
      <Typography.Title level={4}>近{TREND_MONTHS}个月趋势</Typography.Title>
      {trend.error ? (
        <Alert type="error" showIcon message={trend.error.message} />
      ) : trend.totals ? (
        <TrendChart months={trend.months} totals={trend.totals} />
      ) : (
        <Loading />
      )}
    </>
  );
}

export default function StatsPage() {
  const stats = useResource<Stats>("/api/ledger/stats");
  return (
    <>
      <Typography.Title level={3}>统计</Typography.Title>
      <Loaded resource={stats}>
        {(found) => (
          <>
            <p>
              统计期间：{formatDate(found.from)}至{formatDate(found.to)}
            </p>
            <Chart units={found.units} />
            <Table<UnitStats>
              rowKey="unit"
              size="small"
              dataSource={found.units}
              pagination={false}
              scroll={{ x: 720 }}
              columns={UNIT_FIGURE_COLUMNS}
            />
            <Trend />
          </>
        )}
      </Loaded>
    </>
  );
}
