import type { BatchRequest } from '../../graph';
import { PIM_LIMITS } from '../limits';
import type { PimEvent } from '../model';
import { wallClockToUtc } from '../timeZones';
import { eventFields, peopleLines } from './eventBody';
import type { Planned, Skip } from './plan';
import type { WriterRounds } from './rounds';

/**
 * Edited and cancelled occurrences of the series just written (RECURRENCE-ID overrides, EXDATEs):
 * each occurrence is found among the series' instances near its original start, then edited in
 * place or deleted, two `$batch` rounds for the whole page.
 */
interface Job {
  plan: Planned;
  masterId: string;
  originalStart: string;
  edit?: PimEvent['exceptions'][number];
}

interface Instance {
  id: string;
  start?: { dateTime: string; timeZone: string };
  originalStart?: string;
}

export async function applyExceptions(w: WriterRounds, plans: Planned[], skip: Skip): Promise<void> {
  const jobs: Job[] = [];
  for (const p of plans) {
    const e = p.event;
    if (!e || p.kind !== 'event' || !e.rrule || p.failed) continue;
    const masterId = p.keep[0] ?? p.createdIds[0];
    if (!masterId) continue;
    for (const x of e.exceptions) jobs.push({ plan: p, masterId, originalStart: x.originalStart, edit: x });
    for (const d of e.exdates ?? []) jobs.push({ plan: p, masterId, originalStart: d });
  }
  if (jobs.length === 0) return;
  const found = await findInstances(w, jobs);
  const people = new Map<Planned, string[]>();
  const edits = jobs.flatMap((j, i) => {
    const id = found[i];
    if (!id) {
      // EXDATE or RECURRENCE-ID that is no occurrence of the rule: nothing on the target to change.
      if (j.edit)
        skip(
          j.plan.work,
          j.plan.event!.subject,
          'PIM_EXCEPTION_UNMATCHED',
          `the edited occurrence of ${j.originalStart} is no occurrence of the series; left as the series has it`,
          false,
        );
      return [];
    }
    if (!people.has(j.plan)) people.set(j.plan, peopleLines(j.plan.event!));
    const url = `${w.user}/events/${encodeURIComponent(id)}`;
    const req: BatchRequest = j.edit
      ? { method: 'PATCH', url, body: eventFields(j.edit, people.get(j.plan)!) }
      : { method: 'DELETE', url };
    return [{ plan: j.plan, req }];
  });
  await w.runRound(edits, (p, r) => {
    if (r.error && r.status !== 404) p.failed = r.error.message;
  });
}

/** The target instance id of each job's occurrence (undefined: the series has no such occurrence). */
async function findInstances(w: WriterRounds, jobs: readonly Job[]): Promise<Array<string | undefined>> {
  const hours = PIM_LIMITS.instanceWindowHours * 3_600_000;
  const found: Array<string | undefined> = new Array(jobs.length);
  await w.runRound(
    jobs.map((j, i) => {
      const at = wallClockToUtc(j.originalStart, j.plan.event!.start.timeZone).getTime();
      const from = new Date(at - hours).toISOString();
      const to = new Date(at + hours).toISOString();
      return {
        plan: j.plan,
        index: i,
        req: {
          method: 'GET' as const,
          url: `${w.user}/events/${encodeURIComponent(j.masterId)}/instances?startDateTime=${from}&endDateTime=${to}&$select=id,start,originalStart`,
        },
      };
    }),
    (p, r, i) => {
      const j = jobs[i!]!;
      const list = (r.body as { value?: Instance[] } | null)?.value ?? [];
      const target = wallClockToUtc(j.originalStart, p.event!.start.timeZone).getTime();
      const match = list.find((inst) => {
        if (p.event!.isAllDay)
          return (inst.start?.dateTime ?? '').slice(0, 10) === j.originalStart.slice(0, 10);
        if (inst.originalStart && Date.parse(inst.originalStart) === target) return true;
        const s = inst.start;
        return s ? wallClockToUtc(s.dateTime, s.timeZone).getTime() === target : false;
      });
      found[i!] = match?.id;
    },
  );
  return found;
}
