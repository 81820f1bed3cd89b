import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App as AntApp, ConfigProvider } from "antd";
import zhCN from "antd/locale/zh_CN";
import "./format"; // dayjs in Chinese
import "./global.css";
import { AuthProvider } from "./auth";
import { App, preloadFirstPage } from "./App";

// drawn once the first page's chunks are here (a failed load shows its error on the page)
void preloadFirstPage(window.location.pathname).catch(() => {}).finally(() => createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <ConfigProvider locale={zhCN} theme={{ token: { colorPrimary: "#b71c1c" } }} button={{ autoInsertSpace: false }}>
      <AntApp>
        <AuthProvider>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </AuthProvider>
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
));
