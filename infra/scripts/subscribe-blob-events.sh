#!/bin/sh
# azd postdeploy hook (also runnable by hand after `az functionapp deploy`): waits until the
# function host has created its blobs_extension system key, which happens once the deployed code
# with the Event Grid-sourced blob trigger has started, then deploys the Event Grid subscription
# (infra/modules/blob-event-subscription.bicep). The key itself is read inside that deployment.
set -eu

: "${AZURE_RESOURCE_GROUP:?set by azd; or export it (the resource group of the deployment)}"
: "${AZURE_FUNCTION_APP_NAME:?set by azd; or export it (the function app name)}"
: "${EVENT_GRID_SYSTEM_TOPIC_NAME:?set by azd; or export it (the storage account system topic)}"
FUNCTION_NAME="${MAILFERRY_BLOB_FUNCTION_NAME:-batchDrop}"
ATTEMPTS=30

here=$(cd "$(dirname "$0")" && pwd)
i=0
while :; do
  found=$(az functionapp keys list -g "$AZURE_RESOURCE_GROUP" -n "$AZURE_FUNCTION_APP_NAME" \
    --query "systemKeys.blobs_extension != null" -o tsv 2>/dev/null || echo false)
  [ "$found" = "true" ] && break
  i=$((i + 1))
  if [ "$i" -ge "$ATTEMPTS" ]; then
    echo "The host has no blobs_extension key after $((ATTEMPTS * 10)) s." >&2
    echo "Check that the deployment succeeded and that function '$FUNCTION_NAME' is a blob trigger with source EventGrid" >&2
    echo "(Application Insights > traces, or: az functionapp function list -g $AZURE_RESOURCE_GROUP -n $AZURE_FUNCTION_APP_NAME)." >&2
    exit 1
  fi
  echo "Waiting for the function host to create its blobs_extension key ($i/$ATTEMPTS)..."
  sleep 10
done

az deployment group create \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --name mailferry-blob-events \
  --template-file "$here/../modules/blob-event-subscription.bicep" \
  --parameters functionAppName="$AZURE_FUNCTION_APP_NAME" \
    systemTopicName="$EVENT_GRID_SYSTEM_TOPIC_NAME" \
    functionName="$FUNCTION_NAME" \
  --output none
echo "Event Grid now delivers new CSVs in migration-batches to $FUNCTION_NAME."
