import { psComment, psLiteral } from './powershell';

/**
 * The two scripts of the mail-user conversion. Graph does not expose a cloud mailbox's
 * ExchangeGuid and LegacyExchangeDN, so the first runs in Exchange Online PowerShell and exports
 * them; the second runs in the Exchange 2007 Management Shell with that CSV and turns each migrated
 * on-premises mailbox into a mail-enabled user pointing at the cloud mailbox.
 */

/** The CSV between the two scripts: Export writes exactly these columns, Convert reads exactly these. */
export const CLOUD_MAILBOX_COLUMNS = [
  'SourceAddress',
  'PrimarySmtpAddress',
  'ExchangeGuid',
  'LegacyExchangeDN',
  'EmailAddresses',
  'RoutingAddress',
] as const;

export const EXPORT_SCRIPT = 'Export-CloudMailboxes.ps1';
export const CONVERT_SCRIPT = 'Convert-ToMailUser.ps1';
export const cloudCsvName = (batchId: string) => `cloud-mailboxes-${batchId}.csv`;

export interface ScriptUser {
  /** The address in the batch CSV (the on-premises primary address). */
  email: string;
  /** The routing address forwarding used, when known (else the script finds the .mail.onmicrosoft.com one). */
  routingAddress?: string;
}

export function exportScript(batch: { id: string; name: string }, users: ScriptUser[]): string {
  const list = users
    .map(
      (u) =>
        `    @{ SourceAddress = ${psLiteral(u.email)}; RoutingAddress = ${psLiteral(u.routingAddress ?? '')} }`,
    )
    .join('\n');
  const columns = CLOUD_MAILBOX_COLUMNS.join(', ');
  return `<#
.SYNOPSIS
    Exports the Exchange Online mailboxes of mailferry batch "${psComment(batch.name)}" (${batch.id}) for the mail-user conversion.
.DESCRIPTION
    Run in Exchange Online PowerShell, after Connect-ExchangeOnline. For each user of the batch it
    writes one CSV row with the cloud mailbox's ${columns}.
    Give that CSV to ${CONVERT_SCRIPT} on the Exchange 2007 server.
    This script only reads: it changes nothing.
#>
[CmdletBinding()]
param(
    [string]$OutputPath = ${psLiteral(`.\\${cloudCsvName(batch.id)}`)}
)
$ErrorActionPreference = 'Stop'

$users = @(
${list}
)

$rows = @()
foreach ($u in $users) {
    $id = $u.SourceAddress
    try {
        $m = Get-EXOMailbox -Identity $id -Properties ExchangeGuid,LegacyExchangeDN,EmailAddresses
        $routing = $u.RoutingAddress
        if (-not $routing) {
            $found = @($m.EmailAddresses | Where-Object { $_ -match '^smtp:[^@]+@[^@]+\\.mail\\.onmicrosoft\\.com$' })
            if ($found.Count -eq 0) { $found = @($m.EmailAddresses | Where-Object { $_ -match '^smtp:[^@]+@[^@]+\\.onmicrosoft\\.com$' }) }
            if ($found.Count -eq 0) { throw 'the mailbox has no @<tenant>.mail.onmicrosoft.com address to route to' }
            $routing = $found[0] -replace '^smtp:', ''
        }
        $rows += [pscustomobject]@{
            SourceAddress      = $id
            PrimarySmtpAddress = [string]$m.PrimarySmtpAddress
            ExchangeGuid       = [string]$m.ExchangeGuid
            LegacyExchangeDN   = [string]$m.LegacyExchangeDN
            EmailAddresses     = ($m.EmailAddresses -join ';')
            RoutingAddress     = $routing
        }
        Write-Host "EXPORTED $($id)"
    } catch {
        Write-Host "FAILED $($id): $($_.Exception.Message)"
    }
}
$rows | Select-Object ${columns} | Export-Csv -Path $OutputPath -NoTypeInformation -Encoding UTF8
Write-Host "Wrote $($rows.Count) of $($users.Count) users to $($OutputPath)"
`;
}

export function convertScript(batch: { id: string; name: string }): string {
  return convertHelp(batch) + convertBody();
}

/** The comment-based help (Get-Help) of the conversion script. */
function convertHelp(batch: { id: string; name: string }): string {
  return `<#
.SYNOPSIS
    Converts the migrated mailboxes of mailferry batch "${psComment(batch.name)}" (${batch.id}) to mail-enabled users.
.DESCRIPTION
    Run in the Exchange 2007 Management Shell (Exchange 2007 SP2 or later, Windows PowerShell 2.0)
    with the CSV that ${EXPORT_SCRIPT} wrote. Per user it keeps the on-premises LegacyExchangeDN and
    addresses, runs Disable-Mailbox and Enable-MailUser -ExternalEmailAddress <routing address>,
    puts the addresses back with X500 proxies for the on-premises and the cloud LegacyExchangeDN
    (replies to old mail keep working), and sets msExchMailboxGuid from the cloud ExchangeGuid.
    Disable-Mailbox disconnects the on-premises mailbox (it stays in the database for its retention
    period): run it only once the batch is complete and its users work in the cloud.
    Run it first with -WhatIf: it then changes nothing and says what it would do.
    One line of outcome per user: CONVERTED, WHATIF, SKIPPED or FAILED.
.EXAMPLE
    .\\${CONVERT_SCRIPT} -CsvPath .\\${cloudCsvName(batch.id)} -WhatIf
#>
`;
}

/**
 * Per user: check the routing address is the cloud mailbox's, then Disable-Mailbox,
 * Enable-MailUser, restore the addresses with X500 proxies and set msExchMailboxGuid.
 */
function convertBody(): string {
  return `[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
param(
    [Parameter(Mandatory = $true)]
    [string]$CsvPath
)
$ErrorActionPreference = 'Stop'

$rows = @(Import-Csv -Path $CsvPath)
$required = @(${CLOUD_MAILBOX_COLUMNS.map(psLiteral).join(', ')})
if ($rows.Count -gt 0) {
    $present = @($rows[0].PSObject.Properties | ForEach-Object { $_.Name })
    foreach ($c in $required) {
        if ($present -notcontains $c) { throw "$($CsvPath) has no $($c) column: use the CSV that ${EXPORT_SCRIPT} wrote." }
    }
}

foreach ($row in $rows) {
    $id = $row.SourceAddress
    $step = 'reading'
    try {
        $routing = $row.RoutingAddress
        $cloudAddresses = @($row.EmailAddresses -split ';' | ForEach-Object { $_ -replace '^smtp:', '' })
        if ($cloudAddresses -notcontains $routing) {
            Write-Host "SKIPPED $($id): the routing address $($routing) is not an address of the cloud mailbox $($row.PrimarySmtpAddress) (mail would loop)"
            continue
        }
        $mbx = Get-Mailbox -Identity $id
        $dn = [string]$mbx.DistinguishedName
        $onPremLegacyDN = [string]$mbx.LegacyExchangeDN
        $addresses = @($mbx.EmailAddresses | ForEach-Object { $_.ProxyAddressString })
        $keep = $addresses
        foreach ($extra in @("X500:$($onPremLegacyDN)", "X500:$($row.LegacyExchangeDN)", "smtp:$($routing)")) {
            if ($keep -notcontains $extra) { $keep += $extra }
        }
        $guidBytes = ([Guid]$row.ExchangeGuid).ToByteArray()
        $what = "Disable-Mailbox, Enable-MailUser -ExternalEmailAddress $($routing), restore $($keep.Count) addresses, set msExchMailboxGuid $($row.ExchangeGuid)"
        if ($PSCmdlet.ShouldProcess($id, $what)) {
            $step = 'Disable-Mailbox'
            Disable-Mailbox -Identity $dn -Confirm:$false
            $step = 'Enable-MailUser'
            Enable-MailUser -Identity $dn -ExternalEmailAddress "SMTP:$($routing)"
            $step = 'Set-MailUser'
            Set-MailUser -Identity $dn -EmailAddressPolicyEnabled $false -EmailAddresses $keep
            $step = 'msExchMailboxGuid'
            $entry = [ADSI]"LDAP://$($dn)"
            $entry.Put('msExchMailboxGuid', [byte[]]$guidBytes)
            $entry.SetInfo()
            Write-Host "CONVERTED $($id) -> $($routing)"
        } else {
            Write-Host "WHATIF $($id) -> $($routing): nothing changed"
        }
    } catch {
        Write-Host "FAILED $($id) at $($step): $($_.Exception.Message)"
    }
}
`;
}
