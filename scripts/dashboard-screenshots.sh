#!/usr/bin/env bash
# Screenshots of the dashboard for the docs (docs/images/dashboard-*.png), taken by the browser test that checks those
# pages (tests/Dashboard.Tests, DashboardPageTests.EveryPage_… and ScheduledPagesTests.ScheduledAndPeriodic_…, HistoryAndProgressTests,
# TaskHistoryPagesTests) over a real
# nats-server and worker.
#   scripts/dashboard-screenshots.sh [directory]     default: docs/images
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=lib/common.sh
source scripts/lib/common.sh
ensure_nats_server || exit 1
ensure_chromium || exit 1
directory="$(realpath -m "${1:-docs/images}")"
dotnet build tests/Dashboard.Tests -c Release -v q -nologo
TT_DASHBOARD_SCREENSHOTS="$directory" dotnet test --project tests/Dashboard.Tests -c Release --no-build \
  -- --filter-method "*EveryPage_RendersTheDeploymentsData*" --filter-method "*ScheduledAndPeriodic_ShowWhatWaitsAndTheSchedules*" \
  --filter-method "*Overview_ChartsTheLastHour*" --filter-method "*TaskPage_ShowsTypedProgress*" \
  --filter-method "*TaskPage_ShowsARetryThenTheSuccess*" --filter-method "*GroupMember_LinksToItsGroup*" \
  --filter-method "*TaskTypes_ListTheCatalogAsText*"
ls -1 "$directory"/dashboard-*.png
