// Routes, each page loaded when first visited (the paths notification links name: /tasks/{id}, /items/{id}) and the signed-in layout.
// Every page but sign-in and the signed-in layout are chunks of their own: the first page (sign-in)
// loads React, the router and the few Ant Design components it shows, nothing of the ledger's
// table, the diagrams (bpmn-js), the charts (ECharts) or the task forms (rjsf, Ajv).
import { Suspense, useEffect, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Loading } from "./components/Status";
import { useAuth } from "./auth";
import { PageBoundary } from "./components/PageBoundary";
import { lazyComponent } from "./lazyComponent";
import { SignInPage } from "./pages/SignInPage"; // the first page of nearly every visit: in the main chunk

const Shell = lazyComponent(() => import("./components/Shell").then((m) => m.Shell));
const TasksPage = lazyComponent(() => import("./pages/TasksPage").then((m) => m.TasksPage));
const NotFoundPage = lazyComponent(() => import("./pages/NotFoundPage").then((m) => m.NotFoundPage));
const TaskPage = lazyComponent(() => import("./pages/TaskPage").then((m) => m.TaskPage));
const ItemsPage = lazyComponent(() => import("./pages/ItemsPage").then((m) => m.ItemsPage));
const ItemPage = lazyComponent(() => import("./pages/ItemPage").then((m) => m.ItemPage));
const RegisterItemPage = lazyComponent(() => import("./pages/RegisterItemPage").then((m) => m.RegisterItemPage));
const InboxPage = lazyComponent(() => import("./pages/InboxPage").then((m) => m.InboxPage));
const BulletinsPage = lazyComponent(() => import("./pages/BulletinsPage").then((m) => m.BulletinsPage));
const BulletinPage = lazyComponent(() => import("./pages/BulletinPage").then((m) => m.BulletinPage));
const PublicPage = lazyComponent(() => import("./pages/PublicPage").then((m) => m.PublicPage));
const PublicItemPage = lazyComponent(() => import("./pages/PublicPage").then((m) => m.PublicItemPage));
const StatsPage = lazyComponent(() => import("./pages/StatsPage").then((m) => m.default));
const PlansPage = lazyComponent(() => import("./pages/PlansPage").then((m) => m.PlansPage));
const DefinitionsPage = lazyComponent(() => import("./pages/DefinitionsPage").then((m) => m.DefinitionsPage));
const DefinitionVersionPage = lazyComponent(() => import("./pages/DefinitionsPage").then((m) => m.DefinitionVersionPage));

/** What a visit's first page needs, loaded before the first draw (no spinner, no wait on
 * Suspense): nobody is signed in when the application starts, so every route but the public
 * board's leads to sign-in, which is in the main chunk. */
export function preloadFirstPage(pathname: string): Promise<unknown> {
  if (pathname === "/public") return PublicPage.preload();
  if (pathname.startsWith("/public/")) return PublicItemPage.preload();
  return Promise.resolve();
}

/** The sign-in page, and meanwhile (while a user is chosen, once the page is idle) the layout and
 * 我的待办 it leads to. */
function SignInRoute() {
  useEffect(() => {
    const preload = () => {
      void Shell.preload();
      void TasksPage.preload();
    };
    if (typeof window.requestIdleCallback === "function") {
      const idle = window.requestIdleCallback(preload, { timeout: 2000 });
      return () => window.cancelIdleCallback(idle);
    }
    const timer = setTimeout(preload, 500); // Safari has no requestIdleCallback
    return () => clearTimeout(timer);
  }, []);
  return <SignInPage />;
}

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
        <Route path="/login" element={<SignInRoute />} />
        <Route path="/auth/callback" element={<SignInRoute />} />
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
