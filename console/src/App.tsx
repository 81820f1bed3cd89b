// Routes, each page loaded when first visited (the paths notification links name: /tasks/{id}, /items/{id}) and the signed-in layout.
// Every page and the signed-in layout are chunks of their own: the first page (sign-in) loads React,
// the router and the few Ant Design components it shows, nothing of the ledger's table, the
// diagrams (bpmn-js), the charts (ECharts) or the task forms (rjsf, Ajv).
import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Loading } from "./components/Status";
import { useAuth } from "./auth";
import { PageBoundary } from "./components/PageBoundary";

const Shell = lazy(() => import("./components/Shell").then((m) => ({ default: m.Shell })));
const SignInPage = lazy(() => import("./pages/SignInPage").then((m) => ({ default: m.SignInPage })));
const TasksPage = lazy(() => import("./pages/TasksPage").then((m) => ({ default: m.TasksPage })));
const NotFoundPage = lazy(() => import("./pages/NotFoundPage").then((m) => ({ default: m.NotFoundPage })));

const TaskPage = lazy(() => import("./pages/TaskPage").then((m) => ({ default: m.TaskPage })));
const ItemsPage = lazy(() => import("./pages/ItemsPage").then((m) => ({ default: m.ItemsPage })));
const ItemPage = lazy(() => import("./pages/ItemPage").then((m) => ({ default: m.ItemPage })));
const RegisterItemPage = lazy(() => import("./pages/RegisterItemPage").then((m) => ({ default: m.RegisterItemPage })));
const InboxPage = lazy(() => import("./pages/InboxPage").then((m) => ({ default: m.InboxPage })));
const BulletinsPage = lazy(() => import("./pages/BulletinsPage").then((m) => ({ default: m.BulletinsPage })));
const BulletinPage = lazy(() => import("./pages/BulletinPage").then((m) => ({ default: m.BulletinPage })));
const PublicPage = lazy(() => import("./pages/PublicPage").then((m) => ({ default: m.PublicPage })));
const PublicItemPage = lazy(() => import("./pages/PublicPage").then((m) => ({ default: m.PublicItemPage })));
const StatsPage = lazy(() => import("./pages/StatsPage"));
const PlansPage = lazy(() => import("./pages/PlansPage").then((m) => ({ default: m.PlansPage })));
const DefinitionsPage = lazy(() => import("./pages/DefinitionsPage").then((m) => ({ default: m.DefinitionsPage })));
const DefinitionVersionPage = lazy(() =>
  import("./pages/DefinitionsPage").then((m) => ({ default: m.DefinitionVersionPage })),
);

function SignedIn({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return (
    <Shell>
      <PageBoundary page={location.pathname}>
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </PageBoundary>
    </Shell>
  );
}

export function App() {
  const page = (element: ReactNode) => <SignedIn>{element}</SignedIn>;
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<SignInPage />} />
        <Route path="/public" element={<PublicPage />} />
        <Route path="/public/items/:id" element={<PublicItemPage />} />
        <Route path="/" element={<Navigate to="/tasks" replace />} />
        <Route path="/tasks" element={page(<TasksPage />)} />
        <Route path="/tasks/:id" element={page(<TaskPage />)} />
        <Route path="/items" element={page(<ItemsPage />)} />
        <Route path="/items/new" element={page(<RegisterItemPage />)} />
        <Route path="/items/:id" element={page(<ItemPage />)} />
        <Route path="/inbox" element={page(<InboxPage />)} />
        <Route path="/stats" element={page(<StatsPage />)} />
        <Route path="/plans" element={page(<PlansPage />)} />
        <Route path="/plans/:month" element={page(<PlansPage />)} />
        <Route path="/bulletins" element={page(<BulletinsPage />)} />
        <Route path="/bulletins/:id" element={page(<BulletinPage />)} />
        <Route path="/definitions" element={page(<DefinitionsPage />)} />
        <Route path="/definitions/:version" element={page(<DefinitionVersionPage />)} />
        <Route path="*" element={page(<NotFoundPage />)} />
      </Routes>
    </Suspense>
  );
}
