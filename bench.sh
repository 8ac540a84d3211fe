#!/usr/bin/env bash
# Benchmarks (Release build, their own Azurite). Usage: ./bench.sh scans|purchases|journeys|campaigns|storage|pages|wecom|points|kocs|segments [--clients 32] [--seconds 15] [--stores 100]
# Results are printed as Markdown; docs/benchmarks.md records them with the command that produced them.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/azurite ] || [ ! -f node_modules/@azure/msal-browser/lib/msal-browser.min.js ]; then npm ci --no-audit --no-fund --loglevel=error; fi
dotnet build Funnel.sln -c Release -nologo -v quiet
exec dotnet bench/Funnel.Bench/bin/Release/net10.0/Funnel.Bench.dll "$@"
