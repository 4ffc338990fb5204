#!/usr/bin/env bash
# Regenerates the squashed "Initial" migration of both providers from the current model (nothing is deployed
# yet, so the history is one migration per provider). Run from anywhere; needs `dotnet tool restore` once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rm -f src/Sigill.Api/Platform/Persistence/Migrations/Sqlite/*.cs src/Sigill.Api/Platform/Persistence/Migrations/Postgres/*.cs
for provider in Sqlite Postgres; do
  dotnet ef migrations add Initial --context "${provider}CellDbContext" --output-dir "Platform/Persistence/Migrations/$provider" \
    --project src/Sigill.Api --startup-project src/Sigill.Cli >/dev/null
done
# EF 10 writes the model snapshot next to the namespace path; keep it beside its migration.
if [ -d src/Sigill.Api/Sigill ]; then
  find src/Sigill.Api/Sigill -name '*ModelSnapshot.cs' | while read -r f; do
    case "$f" in *Sqlite*) mv "$f" src/Sigill.Api/Platform/Persistence/Migrations/Sqlite/ ;; *) mv "$f" src/Sigill.Api/Platform/Persistence/Migrations/Postgres/ ;; esac
  done
  rm -rf src/Sigill.Api/Sigill
fi
ls src/Sigill.Api/Platform/Persistence/Migrations/*
