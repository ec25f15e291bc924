import { app } from '@azure/functions';
import { services } from '../shared/app/services';
import { listReports, readReport } from '../shared/report/catalog';
import { reportsContainer } from '../shared/report';
import { answering, json } from './http-answers';
import { batchParams, parseParams, reportParams } from './route-params';

/**
 * A batch's reports: the list (`{reports: [{name, kind, file, contentType, size, createdAt, url}]}`)
 * and each file behind the same key as the rest of the API. HTML is served as a download-safe
 * sandboxed page (no script runs in it); CSV and JSON as attachments.
 */
app.http('batchReports', {
  route: 'api/batches/{id}/reports',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, context) =>
    answering(context, async () => {
      const svc = services();
      const { id } = parseParams(request, batchParams);
      const batch = await svc.state.batches.get(id); // BATCH_NOT_FOUND for an unknown id
      const reports = await listReports(reportsContainer(svc.storage), batch.id);
      const base = `/api/batches/${encodeURIComponent(batch.id)}/reports`;
      return json(200, { reports: reports.map((r) => ({ ...r, url: `${base}/${r.kind}/${r.file}` })) });
    }),
});

app.http('batchReportFile', {
  route: 'api/batches/{id}/reports/{kind}/{file}',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, context) =>
    answering(context, async () => {
      const svc = services();
      const { id, kind, file } = parseParams(request, reportParams);
      const batch = await svc.state.batches.get(id);
      const { contentType, content } = await readReport(reportsContainer(svc.storage), batch.id, kind, file);
      const inline = contentType.startsWith('text/html');
      return {
        status: 200,
        body: content,
        headers: {
          'content-type': contentType,
          'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${safeName(batch.name)}-${kind}-${file}"`,
          'x-content-type-options': 'nosniff',
          // A report quotes subjects and folder names from mailboxes: never let it run anything.
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
      };
    }),
});

/** A batch name as a file name in a header: nothing that could end the quoted string. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_');
}
