# azd postdeploy hook on Windows; same steps as subscribe-blob-events.sh.
$ErrorActionPreference = 'Stop'
foreach ($name in 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'EVENT_GRID_SYSTEM_TOPIC_NAME') {
  if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set (azd sets it; or set it by hand)." }
}
$rg = $env:AZURE_RESOURCE_GROUP
$app = $env:AZURE_FUNCTION_APP_NAME
$functionName = if ($env:MAILFERRY_BLOB_FUNCTION_NAME) { $env:MAILFERRY_BLOB_FUNCTION_NAME } else { 'batchDrop' }
$attempts = 30
for ($i = 1; ; $i++) {
  $found = az functionapp keys list -g $rg -n $app --query "systemKeys.blobs_extension != null" -o tsv 2>$null
  if ($found -eq 'true') { break }
  if ($i -ge $attempts) { throw "The host has no blobs_extension key after $($attempts * 10) s: check the deployment and that '$functionName' is a blob trigger with source EventGrid." }
  Write-Host "Waiting for the function host to create its blobs_extension key ($i/$attempts)..."
  Start-Sleep -Seconds 10
}
az deployment group create --resource-group $rg --name mailferry-blob-events `
  --template-file (Join-Path $PSScriptRoot '../modules/blob-event-subscription.bicep') `
  --parameters functionAppName=$app systemTopicName=$env:EVENT_GRID_SYSTEM_TOPIC_NAME functionName=$functionName `
  --output none
if ($LASTEXITCODE -ne 0) { throw 'Creating the Event Grid subscription failed.' }
Write-Host "Event Grid now delivers new CSVs in migration-batches to $functionName."
