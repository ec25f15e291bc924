import { Command } from 'commander';
import type { DomainDnsReport } from '../shared/cutover/dns';
import { clientFor, withExit } from './command-context';
import { EXIT } from './exit-codes';
import { printJson, table } from './format';

/**
 * `mailferry dns check <domain>`: the domain's MX, Autodiscover CNAME and SPF record against what
 * Microsoft 365 expects, as the service sees them (its MAILFERRY_DNS_SERVERS). Exit 0 when all are
 * ok, 1 when something is to fix (each line says what to create).
 */
export function dnsCommand(): Command {
  const dns = new Command('dns').description('DNS checks for the cutover to Microsoft 365');
  dns
    .command('check <domain>')
    .description('check MX, Autodiscover and SPF of a domain; print the records to create')
    .option('--json', 'print JSON')
    .action(
      withExit(async (domain: string, opts: { json?: boolean }, cmd: Command) => {
        const report = await clientFor(cmd).get<DomainDnsReport>(`dns/${encodeURIComponent(domain)}`);
        if (opts.json) printJson(report);
        else {
          console.log(
            table(report.findings, [
              { header: 'RECORD', value: (f) => f.record },
              { header: 'NAME', value: (f) => f.name },
              { header: 'STATUS', value: (f) => f.status },
              { header: 'FOUND', value: (f) => f.found.join(', ') },
            ]),
          );
          for (const f of report.findings) {
            if (f.status === 'error') console.log(`${f.record}: ${f.error?.code}: ${f.error?.message}`);
            else if (f.fix) console.log(`${f.record}: create ${f.fix}`);
          }
          console.log(report.ok ? `${report.domain}: ready for Microsoft 365` : `${report.domain}: to fix`);
        }
        return report.ok ? EXIT.ok : EXIT.mailboxesFailed;
      }),
    );
  return dns;
}
