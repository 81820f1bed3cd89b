// The shapes the services answer (only the fields the console uses).

export type Task = {
  id: string;
  item_id: string | null; // null: a task of no item (a bulletin's approval)
  kind: string;
  name: string;
  assignee: { role: string | null; unit: string | null; user: string | null };
  due_date: string | null;
  created_at: string;
  context: Record<string, unknown> | null;
  form: Record<string, unknown> | null;
  form_ui: Record<string, unknown> | null;
};

export type LedgerItem = {
  id: string;
  code: string;
  title: string;
  source: string;
  source_label: string;
  urgency: string;
  urgency_label: string;
  lead_unit: string;
  lead_unit_name: string;
  co_units: string[];
  co_unit_names: string[];
  leader: string;
  leader_name: string;
  flags: { major: boolean; public: boolean; livelihood: boolean };
  assigned_on: string | null;
  due_date: string | null;
  due_date_estimated: boolean;
  status: string;
  status_label: string;
  status_reason: string | null;
  overdue: boolean;
  light: string | null;
  light_label: string | null;
  progress: string;
  closed_on: string | null;
  registered_at: string;
  updated_at: string;
  timeline?: TimelineEntry[];
};

export type TimelineEntry = { time: string; kind: string; actor: string | null; actor_name: string | null; text: string };

export type WorkflowItem = {
  id: string;
  code: string;
  title: string;
  status: string;
  status_reason: string | null;
  lead_unit: string;
  due_date: string | null;
  overdue: boolean;
  open_tasks: string[];
};

export type ItemState = {
  item_id: string;
  process_id: string;
  version: number;
  completed: boolean;
  next_timer_at: string | null;
  active: string[];
  completed_elements: string[];
  timers?: { element_id: string; due_at: string }[];
  ready_tasks: { id: string; kind: string; bpmn_id: string; name: string }[];
  history: { task_id: string; kind: string; bpmn_id: string; actor: string; on_behalf_of: string | null; completed_at: string }[];
};

export type Page<T> = { items: T[]; total: number; page?: number; page_size?: number };

export type Unit = { id: string; name: string; kind: string };
