/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

// The API server the dev server (and `vite preview`) forward to; `/graphql/ws` (subscriptions)
// is a WebSocket.
const api = process.env.RSDK_API_URL ?? 'http://127.0.0.1:7878';
const proxy = { '/graphql': { target: api, ws: true }, '/api': api };

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: { proxy },
  preview: { proxy },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
