import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import { requireActor, SIGNED_IN } from '../http/auth.ts';
import {
  CheckinStatusView, CheckinView, CloseBody, DrawPage, DrawView, EntryPage, EntryView, IdParam, MyDrawView, NewDrawBody, PageQuery, problems, RevealBody,
} from './schema.ts';
import type { GamesService } from './service.ts';
import type { NewDraw } from './rules.ts';

type Id = { Params: { id: string } };
type PageQ = { Querystring: { cursor?: string; limit?: number } };
const fenceOf = (req: FastifyRequest) => (trx: Transaction<Database>) => req.idempotency?.fence(trx);

/** Daily check-in and provably fair lucky draws. */
export const gamesRoutes: FastifyPluginAsync<{ games: GamesService }> = async (app, { games }) => {
  const tags = ['games'];

  app.get('/games/checkin', {
    schema: { tags, security: SIGNED_IN, summary: 'Buyer: your check-in streak, today\'s status and the reward schedule', response: { 200: CheckinStatusView, ...problems(401, 403) } },
  }, async (req, reply) => {
    reply.header('cache-control', 'private, no-store');
    return games.checkinStatus(requireActor(req, 'buyer'));
  });

  app.post('/games/checkin', {
    config: { idempotent: true },
    schema: {
      tags, security: SIGNED_IN,
      summary: 'Buyer: check in for today (once per calendar day in the configured time zone); points by streak day',
      description: 'A second check-in on the same day is 409 games.already_checked_in and grants nothing.',
      response: { 201: CheckinView, ...problems(400, 401, 403, 409) },
    },
  }, async (req, reply) => reply.code(201).send(await games.checkin(requireActor(req, 'buyer'), fenceOf(req))));

  app.get<PageQ>('/draws', {
    schema: { tags, summary: 'Lucky draws, newest first', querystring: PageQuery, response: { 200: DrawPage, ...problems(400) } },
  }, async (req) => games.draws(req.query));

  app.get<Id>('/draws/:id', {
    schema: {
      tags, summary: 'A draw\'s public data: terms, seed commitment, close checkpoint, reveal (seed, winners), the algorithm and the ledger indices',
      params: IdParam, response: { 200: DrawView, ...problems(404) },
    },
  }, async (req) => games.draw(req.params.id));

  app.get<Id & PageQ>('/draws/:id/entries', {
    schema: { tags, summary: 'A draw\'s entries in entry order: numbers and pseudonymous entrants only', params: IdParam, querystring: PageQuery, response: { 200: EntryPage, ...problems(400, 404) } },
  }, async (req) => games.entries(req.params.id, req.query));

  app.get<Id>('/draws/:id/me', {
    schema: { tags, security: SIGNED_IN, summary: 'Buyer: your entries and prizes in a draw', params: IdParam, response: { 200: MyDrawView, ...problems(401, 403, 404) } },
  }, async (req, reply) => {
    reply.header('cache-control', 'private, no-store');
    return games.myDraw(requireActor(req, 'buyer'), req.params.id);
  });

  app.post<Id>('/draws/:id/entries', {
    config: { idempotent: true },
    schema: {
      tags, security: SIGNED_IN, summary: 'Buyer: enter a draw, paying its entry cost in points',
      description: '409 draw.not_open before it opens, draw.closed after, draw.max_entries beyond your maximum, points.insufficient.',
      params: IdParam, response: { 201: EntryView, ...problems(400, 401, 403, 404, 409) },
    },
  }, async (req, reply) => reply.code(201).send(await games.enter(requireActor(req, 'buyer'), req.params.id, fenceOf(req))));

  app.post<{ Body: NewDraw }>('/admin/draws', {
    schema: {
      tags, security: SIGNED_IN, summary: 'Admin: create a draw; its seed is generated and committed to (draw.committed) at once',
      body: NewDrawBody, response: { 201: DrawView, ...problems(400, 401, 403) },
    },
  }, async (req, reply) => reply.code(201).send(await games.createDraw(requireActor(req, 'admin'), req.body)));

  app.post<Id & { Body: { early?: boolean } | null }>('/admin/draws/:id/close', {
    schema: {
      tags, security: SIGNED_IN, summary: 'Admin: close a draw now (the job does it at closesAt): records the latest signed checkpoint in draw.closed',
      params: IdParam, body: CloseBody, response: { 200: DrawView, ...problems(400, 401, 403, 404, 409) },
    },
  }, async (req) => {
    const actor = requireActor(req, 'admin');
    return games.close(req.params.id, { early: req.body?.early === true, actor: actor.userId });
  });

  app.post<Id & { Body: { seed?: string } | null }>('/admin/draws/:id/reveal', {
    config: { idempotent: true },
    schema: {
      tags, security: SIGNED_IN,
      summary: 'Admin: reveal a closed draw\'s seed, derive the winners and award the prizes (once)',
      description: 'A seed that does not hash to the commitment is refused: 422 draw.bad_reveal. Without a seed the stored one is used.',
      params: IdParam, body: RevealBody, response: { 200: DrawView, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (req) => {
    const actor = requireActor(req, 'admin');
    return games.reveal(req.params.id, { seed: req.body?.seed, actor: actor.userId });
  });
};
