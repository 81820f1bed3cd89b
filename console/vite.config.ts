/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies the API to a console server (`duban run`, port 8080).
const target = process.env.DUBAN_CONSOLE_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": target, "/dev": target, "/auth/config": target, "/auth/me": target } },
  build: {
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        // React and the router change only when their pins do: one chunk the browser keeps across
        // releases of the console. The pages' own chunks come from the lazy routes (App.tsx).
        codeSplitting: {
          groups: [
            { name: "react", test: /[\\/]node_modules[\\/](react|react-dom|react-router|react-router-dom|scheduler)[\\/]/ },
            { name: "vendor", test: /[\\/]node_modules[\\/]/, tags: ["$initial"] },
          ],
        },
      },
    },
  },
  test: { environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});
