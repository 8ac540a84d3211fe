#!/usr/bin/env bash
# Takes Funnel to Azure (see README, "Deploying"). Needs the .NET 10 SDK; `infra` and `app` also the Azure CLI (az login first).
#   ./deploy.sh package                 # .publish/ and funnel.zip: the Function App package (host.json at the root,
#                                       # the app as a self-contained linux-x64 executable, Funnel.App)
#   ./deploy.sh infra <resource-group>  # creates or updates every Azure resource from infra/main.bicep
#   ./deploy.sh app <resource-group>    # uploads funnel.zip to the Function App the infra deployment created
set -euo pipefail
cd "$(dirname "$0")"
command="${1:-}"
case "$command" in
  package)
    # MSAL for the pages comes from npm (package.json); the build copies it into the package.
    if [ ! -f node_modules/@azure/msal-browser/lib/msal-browser.min.js ]; then npm ci --no-audit --no-fund --loglevel=error; fi
    rm -rf .publish funnel.zip
    # Self-contained for linux-x64: the package carries the .NET runtime, and host.json starts ./Funnel.App (runtime
    # "custom" on Flex Consumption promises no .NET). The dev tool zips it, keeping the executable's mode.
    dotnet publish functions/Funnel.App -c Release -r linux-x64 --self-contained true -o .publish -nologo -v quiet
    dotnet run --project tools/Funnel.Dev -c Release -v quiet -- package --from .publish --output funnel.zip
    ;;
  infra)
    group="${2:?usage: ./deploy.sh infra <resource-group>}"
    : "${FUNNEL_LEAD_HASH_KEY:?set FUNNEL_LEAD_HASH_KEY (32+ characters; keep it: changing it orphans every lead)}"
    : "${FUNNEL_CODE_SIGNING_KEY:?set FUNNEL_CODE_SIGNING_KEY (32+ characters; keep it: changing it voids every printed code)}"
    az deployment group create --resource-group "$group" --name funnel \
      --template-file infra/main.bicep --parameters infra/main.bicepparam --query properties.outputs
    ;;
  app)
    group="${2:?usage: ./deploy.sh app <resource-group>}"
    [ -f funnel.zip ] || "$0" package
    app=$(az deployment group show --resource-group "$group" --name funnel --query properties.outputs.appName.value -o tsv)
    az functionapp deployment source config-zip --resource-group "$group" --name "$app" --src funnel.zip
    ;;
  *)
    sed -n '2,5p' "$0" >&2
    exit 2
    ;;
esac
