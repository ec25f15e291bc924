import type { BatchReportInput } from '../../shared/report';

/**
 * A known batch state: three mailboxes (one synced with a skipped item, one still syncing, one
 * failed at provisioning) and two skipped items. Tests compare reports against these numbers.
 */
export function knownBatch(): BatchReportInput {
  return {
    batch: {
      id: 'batch-2026-sales',
      name: 'Sales wave 1',
      status: 'SyncedWithErrors',
      createdAt: '2026-11-20T08:00:00Z',
      startedAt: new Date('2026-11-20T08:05:00Z'),
      lastSyncedAt: '2026-11-21T09:30:00Z',
      completedAt: null,
    },
    mailboxes: [
      {
        emailAddress: 'anna@contoso.com',
        status: 'Synced',
        itemsSynced: 12345,
        itemsSkipped: 2,
        bytesSynced: 1_610_612_736, // 1.5 GB exactly
        itemsPerMinute: 205.75,
        bytesPerMinute: 26_843_545.6,
        durationSeconds: 3600,
        lastSuccessfulSync: '2026-11-21T09:30:00Z',
      },
      {
        emailAddress: 'bjørn@contoso.com',
        status: 'Syncing',
        itemsSynced: 500,
        itemsSkipped: 0,
        bytesSynced: 1536,
        durationSeconds: 120,
      },
      {
        emailAddress: 'carl@contoso.com',
        status: 'Failed',
        itemsSynced: 0,
        itemsSkipped: 0,
        bytesSynced: 0,
        error: {
          code: 'target.user-missing',
          message: 'No Microsoft 365 user carl@contoso.com; run directory sync.',
        },
      },
    ],
    skippedItems: [
      {
        emailAddress: 'anna@contoso.com',
        folder: 'Inbox/Projekte/Größe',
        date: '2025-03-01T12:00:00Z',
        subject: 'Quarterly figures, "final"',
        kind: 'message',
        sizeBytes: 41_943_040,
        reason: 'LargeItem: 40 MB exceeds the 35 MB message size limit',
      },
      {
        emailAddress: 'anna@contoso.com',
        folder: 'Calendar',
        date: null,
        subject: 'Weekly sync',
        kind: 'event',
        sizeBytes: null,
        reason: 'CorruptItem: no start time',
      },
    ],
    links: {
      dashboardUrl: 'https://mailferry.contoso.com/batches/batch-2026-sales',
      files: [
        {
          name: 'statistics.csv',
          url: 'https://mailferry.contoso.com/api/batches/batch-2026-sales/reports/final/statistics.csv',
        },
      ],
    },
  };
}
