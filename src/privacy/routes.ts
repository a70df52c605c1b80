import type { FastifyPluginAsync } from 'fastify';
import { isHttps, requireActor, SIGNED_IN } from '../http/auth.ts';
import { DomainError } from '../shared/index.ts';
import type { ProfilePatch } from './profile.ts';
import { AccessQuery, HistoryQuery, ConsentBody, ConsentHistory, ConsentView, ErasureBody, ErasureView, ExportView, ProfilePatchBody, ProfileView, problems, RotationView, UserParam } from './schema.ts';
import { newVisitorId, noChoice, type AccessPurpose, type PrivacyService, type Purpose } from './service.ts';
import { requestSubject, visitorCookie } from './subject.ts';

type Id = { Params: { id: string } };

/** Consent (users and anonymous visitors), the profile vault, export and erasure, staff reads. */
export const privacyRoutes: FastifyPluginAsync<{ privacy: PrivacyService }> = async (app, { privacy }) => {
  const tags = ['privacy'];

  app.get('/privacy/consent', {
    schema: { tags, summary: 'Your consent per purpose; for an anonymous visitor without a choice, choiceMade is false (show the banner)', response: { 200: ConsentView } },
  }, async (req) => {
    const subject = requestSubject(req);
    // No choice and no cookie: nothing is stored, not even a pseudonym for this visitor.
    return subject ? privacy.consent(subject) : noChoice();
  });

  app.put<{ Body: Partial<Record<Purpose, boolean>> }>('/privacy/consent', {
    schema: {
      tags,
      summary: 'Grant or withdraw consent per purpose (analytics, personalisation, marketing)',
      description: 'Each change is a consent.granted or consent.withdrawn ledger entry keyed by your pseudonym. Withdrawing deletes what was kept for that purpose. An anonymous visitor gets a random cm_visitor cookie with the first choice.',
      body: ConsentBody,
      response: { 200: ConsentView, ...problems(400) },
    },
  }, async (req, reply) => {
    let subject = requestSubject(req);
    if (!subject) {
      const visitorId = newVisitorId();
      reply.header('set-cookie', visitorCookie(visitorId, isHttps(req)));
      subject = { visitorId };
    }
    return privacy.setConsent(subject, req.body);
  });

  app.get<{ Querystring: { cursor?: string; limit?: number } }>('/privacy/consent/history', {
    schema: { tags, summary: 'Every change of your consent, oldest first, with the leaf index of its ledger entry', querystring: HistoryQuery, response: { 200: ConsentHistory, ...problems(400) } },
  }, async (req) => {
    const subject = requestSubject(req);
    return subject ? privacy.consentHistory(subject, req.query) : { items: [], nextCursor: null };
  });

  app.get('/me/profile', {
    schema: { tags, security: SIGNED_IN, summary: 'Your name, phone and saved addresses (stored encrypted with your own key)', response: { 200: ProfileView, ...problems(401, 410) } },
  }, async (req) => {
    const profile = await privacy.profile(requireActor(req).userId);
    if (profile === null) throw new DomainError('privacy.erased', 'this user\'s personal data was erased', 410);
    return profile;
  });

  app.patch<{ Body: ProfilePatch }>('/me/profile', {
    schema: { tags, security: SIGNED_IN, summary: 'Change your name, phone or saved addresses', body: ProfilePatchBody, response: { 200: ProfileView, ...problems(400, 401, 410) } },
  }, async (req) => privacy.updateProfile(requireActor(req), req.body));

  app.get('/me/export', {
    schema: { tags, security: SIGNED_IN, summary: 'Download everything held about you as one JSON document', response: { 200: ExportView, ...problems(401) } },
  }, async (req, reply) => {
    const actor = requireActor(req);
    reply.header('content-disposition', `attachment; filename="chainmall-${actor.userId}.json"`);
    return privacy.export(actor);
  });

  app.post<{ Body: { confirm: string } }>('/me/erasure', {
    schema: {
      tags,
      security: SIGNED_IN,
      summary: 'Erase your personal data (right to be forgotten)',
      description: 'Destroys your data key: your name, phone, e-mail and addresses become unreadable everywhere at once, your behaviour events are deleted and you are signed out for good. Orders, payments and the ledger stay and still verify. Refused (409) while an order is open or your wallet holds money.',
      body: ErasureBody,
      response: { 200: ErasureView, ...problems(400, 401, 409) },
    },
  }, async (req) => privacy.erase(requireActor(req), requireActor(req).userId));

  app.post<Id & { Body: { confirm: string } }>('/admin/users/:id/erasure', {
    schema: { tags, security: SIGNED_IN, summary: 'Admin: erase a user\'s personal data on their verified request', params: UserParam, body: ErasureBody, response: { 200: ErasureView, ...problems(400, 401, 403, 404, 409) } },
  }, async (req) => privacy.erase(requireActor(req, 'admin'), req.params.id));

  app.get<Id & { Querystring: { purpose: AccessPurpose } }>('/admin/users/:id/profile', {
    schema: { tags, security: SIGNED_IN, summary: 'Support: read a user\'s profile for a stated purpose (each read is a pii.accessed ledger entry)', params: UserParam, querystring: AccessQuery, response: { 200: ProfileView, ...problems(400, 401, 403, 404, 410) } },
  }, async (req) => privacy.profileForStaff(requireActor(req, 'admin'), req.params.id, req.query.purpose));

  app.post('/admin/privacy/pseudonym-key', {
    schema: { tags, security: SIGNED_IN, summary: 'Admin: rotate the pseudonym key (new events get new pseudonyms)', response: { 200: RotationView, ...problems(401, 403) } },
  }, async (req) => privacy.rotatePseudonymKey(requireActor(req, 'admin')));
};
