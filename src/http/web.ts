// Serves the built web app (dist/web) at `/`: hashed assets with long caching, index.html for every
// page path (client-side routing), and a Content-Security-Policy that lets the page talk to this
// server only. Without a build, `/` keeps the plain landing page.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { streamOriginsCsp } from '../live/index.ts';

export const WEB_DIST = path.resolve(fileURLToPath(new URL('../../dist/web', import.meta.url)));

// Live shopping (src/live): the player (hls.js) feeds <video> from a blob: MediaSource, so media-src
// needs blob:; the streaming servers an operator lists in LIVE_STREAM_ORIGINS are added to media-src
// (native HLS) and connect-src (hls.js fetches playlists and segments). Nothing else changes.
const STREAMS = streamOriginsCsp(process.env['LIVE_STREAM_ORIGINS']);
const CSP = `default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:${STREAMS}; style-src 'self' 'unsafe-inline'; connect-src 'self'${STREAMS}; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'`;
const SERVER_PATHS = /^\/(api|log|docs)(\/|$)/;

export const webBuilt = (dir = WEB_DIST) => fs.existsSync(path.join(dir, 'index.html'));

/** Registers the app's files; returns the page fallback for the not-found handler, or null when there is no build. */
export async function installWebApp(app: FastifyInstance, dir = WEB_DIST): Promise<((req: FastifyRequest, reply: FastifyReply) => FastifyReply | null) | null> {
  if (!webBuilt(dir)) return null;
  // Read per page, and files looked up per request: a rebuild while the server runs is served at once.
  const index = () => fs.readFileSync(path.join(dir, 'index.html'));
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: true,
    index: false,
    setHeaders(res, file) {
      // Vite names assets by content hash: they never change under one name.
      res.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const page = (reply: FastifyReply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').header('content-security-policy', CSP).send(index());
  app.get('/', { schema: { hide: true } }, async (_req, reply) => page(reply));
  return (req, reply) => {
    const pathname = req.url.split('?')[0]!;
    if (req.method !== 'GET' || SERVER_PATHS.test(pathname) || path.extname(pathname) !== '') return null;
    return page(reply);
  };
}
