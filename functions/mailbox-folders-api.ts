import { app } from '@azure/functions';
import { services } from '../shared/app/services';
import { reconcileMailbox } from '../shared/reconcile/reconcile';
import { answering, json } from './http-answers';
import { mailboxParams, parseParams } from './route-params';

/**
 * A mailbox's folders reconciled: for each folder mailferry planned, the source's and the
 * target's message counts and bytes as the servers report them now, what was skipped and why, and
 * a verdict (ok / missing N / extra N). Counting asks both servers, so it answers in about two
 * logins' time; the dashboard asks for it when a mailbox is opened, not on every refresh.
 */
app.http('mailboxFolders', {
  route: 'api/batches/{id}/mailboxes/{email}/folders',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, context) =>
    answering(context, async () => {
      const svc = services();
      const { id, email } = parseParams(request, mailboxParams);
      const batch = await svc.state.batches.get(id); // BATCH_NOT_FOUND for an unknown id
      return json(200, await reconcileMailbox(svc, batch.id, email));
    }),
});
