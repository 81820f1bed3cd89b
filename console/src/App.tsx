// Routes (the paths notification links name: /tasks/{id}, /items/{id}) and the signed-in layout.
import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { Loading } from "./components/Status";
import { useAuth } from "./auth";
import { Shell } from "./components/Shell";
import { SignInPage } from "./pages/SignInPage";
import { TasksPage } from "./pages/TasksPage";
import { TaskPage } from "./pages/TaskPage";
import { ItemsPage } from "./pages/ItemsPage";
import { ItemPage } from "./pages/ItemPage";
import { RegisterItemPage } from "./pages/RegisterItemPage";
import { InboxPage } from "./pages/InboxPage";
import { PublicPage, PublicItemPage } from "./pages/PublicPage";
import { BulletinsPage } from "./pages/BulletinsPage";
import { NotFoundPage } from "./pages/NotFoundPage";

const StatsPage = lazy(() => import("./pages/StatsPage"));

function SignedIn({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const location = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <Shell>{children}</Shell>;
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
        <Route path="/bulletins" element={page(<BulletinsPage />)} />
        <Route path="*" element={page(<NotFoundPage />)} />
      </Routes>
    </Suspense>
  );
}
