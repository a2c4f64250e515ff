#!/usr/bin/env bash
# Adds an EF Core migration for BOTH providers (SQLite in src/AxWorkbench.Core, PostgreSQL in
# src/AxWorkbench.Migrations.Postgres) and for each context whose model changed (WorkbenchDbContext,
# WorkbenchIdentityDbContext; WorkbenchKeysDbContext, the Data Protection keys, exists on PostgreSQL only), so nobody
# writes a migration or a snapshot by hand.
#
#   tools/add-migration.sh [--only sqlite|postgres] [--context data|identity|keys] [--id YYYYMMDDHHMMSS] Name
#
#   --only postgres   generate only the PostgreSQL counterpart, e.g. after merging a branch that brought a
#                     hand-written SQLite migration (its model change is in the code, not yet in the PostgreSQL snapshot).
#   --context         limit to one context (default: every context with pending model changes).
#   --id              the migration's timestamp instead of "now" (files, class attribute and Designer are renamed).
#
# Uses the repository's dotnet-ef (dotnet-tools.json; `dotnet tool restore` is run here). Never connects to a database.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

only="" context="" id="" name=""
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only="$2"; shift 2 ;;
        --context) context="$2"; shift 2 ;;
        --id) id="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        -*) echo "add-migration: unknown option $1" >&2; exit 2 ;;
        *) name="$1"; shift ;;
    esac
done
if [ -z "$name" ] || ! [[ "$name" =~ ^[A-Z][A-Za-z0-9]*$ ]]; then
    echo "usage: tools/add-migration.sh [--only sqlite|postgres] [--context data|identity|keys] [--id YYYYMMDDHHMMSS] Name (PascalCase)" >&2
    exit 2
fi
case "$only" in ""|sqlite|postgres) ;; *) echo "add-migration: --only takes sqlite or postgres" >&2; exit 2 ;; esac
case "$context" in ""|data|identity|keys) ;; *) echo "add-migration: --context takes data, identity or keys" >&2; exit 2 ;; esac
if [ -n "$id" ] && ! [[ "$id" =~ ^[0-9]{14}$ ]]; then
    echo "add-migration: --id must be 14 digits (YYYYMMDDHHMMSS)" >&2; exit 2
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
# One build of both projects (the PostgreSQL one references Core); every ef call below uses --no-build.
dotnet build src/AxWorkbench.Migrations.Postgres -c Release -nologo -v q

# provider context-class folder project
targets=()
for provider in sqlite postgres; do
    [ -n "$only" ] && [ "$only" != "$provider" ] && continue
    if [ "$provider" = sqlite ]; then project=src/AxWorkbench.Core
    else project=src/AxWorkbench.Migrations.Postgres; fi
    for ctx in data identity keys; do
        [ -n "$context" ] && [ "$context" != "$ctx" ] && continue
        case "$ctx" in
            data) class=WorkbenchDbContext; folder=Data ;;
            identity) class=WorkbenchIdentityDbContext; folder=Identity ;;
            keys) [ "$provider" = sqlite ] && continue  # SQLite keeps its keys as files
                  class=WorkbenchKeysDbContext; folder=Keys ;;
        esac
        targets+=("$provider $class $folder $project")
    done
done

made=0
for target in "${targets[@]}"; do
    read -r provider class folder project <<<"$target"
    opts=(--project "$project" --startup-project "$project" --context "$class" --configuration Release --no-build)
    # Exit status 0: the model matches the snapshot. Anything else is a change (or an error, which `add` then reports).
    if dotnet ef migrations has-pending-model-changes "${opts[@]}" >/dev/null 2>&1; then
        echo "== $provider $class: no model changes, nothing to add"
        continue
    fi
    echo "== $provider $class: adding $name"
    dotnet ef migrations add "$name" "${opts[@]}" --output-dir "$folder/Migrations" >/dev/null
    dir="$project/$folder/Migrations"
    file=$(ls "$dir" | grep -E "^[0-9]{14}_${name}\.cs$" | sort | tail -n 1)
    generated="${file%%_*}"
    if [ -n "$id" ] && [ "$generated" != "$id" ]; then
        for suffix in .cs .Designer.cs; do
            mv "$dir/${generated}_${name}${suffix}" "$dir/${id}_${name}${suffix}"
        done
        sed -i "s/\"${generated}_${name}\"/\"${id}_${name}\"/" "$dir/${id}_${name}.Designer.cs"
        generated="$id"
    fi
    echo "   $dir/${generated}_${name}.cs (+ Designer, snapshot updated)"
    made=$((made + 1))
done
echo "add-migration: $made migration(s) added. Review them (e.g. append-only triggers are SQL the model cannot express), then build."
