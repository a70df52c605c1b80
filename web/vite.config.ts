// The web app: built into dist/web and served by the API server at `/`. Everything is bundled from
// npm; the build references no other host.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [preact()],
  resolve: {
    alias: {
      // The browser runs the server's own pure verifiers (src/ledger, src/orders): node:crypto is
      // replaced by a shim over @noble/hashes and @noble/curves, Buffer by the buffer package (with base64url added: src/verify/buffer-shim.ts).
      'node:crypto': here('src/verify/crypto-shim.ts'),
      'node:buffer': here('src/verify/buffer-shim.ts'),
    },
  },
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: { outDir: here('../dist/web'), emptyOutDir: true, sourcemap: false, target: 'es2022', chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/log': 'http://127.0.0.1:3000' } },
});
