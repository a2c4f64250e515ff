#!/usr/bin/env bash
# Throw-away servers for the tests: installs them (apt-get) when missing, starts them on 127.0.0.1 in temporary
# folders, and prints the `export` lines the tests read. `down` stops and removes everything `up` started.
#
#   eval "$(tests/services.sh up)"     # e.g. export AXWB_TEST_POSTGRES='Host=127.0.0.1;Port=...;...'
#   tests/services.sh down
#   tests/services.sh up postgres      # only the named services
#   AXWB_HAPROXY_BACKENDS=127.0.0.1:5001,127.0.0.1:5002 tests/services.sh up haproxy
#                                      # HAProxy in front of running nodes (not started by default: it needs them)
#
# Exports go to stdout, progress to stderr. `up` again while they run re-prints the same exports.
# Servers started here listen in the CURRENT network namespace: the E2E tests (tests/run.sh runs them inside
# `unshare -n`) cannot reach them; a server the E2E tests need must be started inside that namespace.
#
# Adding a service (e.g. slapd for the LDAP tests): write <name>_up (start it, then print its export lines) and
# <name>_down (stop it, remove its files), keeping its files under "$STATE/<name>", and add <name> to SERVICES.
set -euo pipefail

SERVICES=(postgres)   # started in this order, stopped in reverse; slapd goes here when it exists
STATE="${AXWB_SERVICES_STATE:-${TMPDIR:-/tmp}/axwb-services-$(id -u)}"

log() { echo "services: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    log "installing $* (apt-get)"
    as_root apt-get update >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >&2
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- PostgreSQL (Debian's postgresql, 15 on bookworm)
# A private cluster: initdb into $STATE/postgres/data, listening on 127.0.0.1:<free port> and a socket in the same
# folder, owned by the `postgres` user (root may not run initdb or pg_ctl). The test role may CREATE DATABASE: the
# Core tests make one database per test host and drop it afterwards (WITH (FORCE)). Durability is off (fsync, full
# pages) and so is autovacuum (its workers, owned by no role, cannot be terminated by the test role's DROP DATABASE
# ... WITH (FORCE)): the cluster is thrown away after the run.
PG_ROLE=axwb_test
PG_DB=axwb_test

pg_bin() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$initdb" ] && dirname "$initdb"
}

pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_up() {
    local dir="$STATE/postgres" bin port password
    if [ -f "$dir/env" ] && pg_as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        cat "$dir/env"
        return
    fi
    rm -rf "$dir"
    bin=$(pg_bin) || true
    if [ -z "$bin" ]; then
        apt_install postgresql
        bin=$(pg_bin)
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
        chmod 700 "$dir"
        # runuser needs a working directory postgres can enter.
        cd /
    fi
    port=$(free_port)
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    log "postgres: initdb in $dir/data"
    pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    log "postgres: starting on 127.0.0.1:$port"
    pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c autovacuum=off -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
        >&2 || { cat "$dir/server.log" >&2; return 1; }
    pg_as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
        -c "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$password'" \
        -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE" >&2
    echo "export AXWB_TEST_POSTGRES='Host=127.0.0.1;Port=$port;Username=$PG_ROLE;Password=$password;Database=$PG_DB'" >"$dir/env"
    cat "$dir/env"
}

postgres_down() {
    local dir="$STATE/postgres" bin
    [ -d "$dir" ] || return 0
    bin=$(pg_bin) || true
    if [ -n "$bin" ] && [ -d "$dir/data" ]; then
        [ "$(id -u)" -eq 0 ] && cd /
        pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    log "postgres: stopped and removed"
}

# ---------------------------------------------------------------- HAProxy (Debian's haproxy, 2.6 on bookworm)
# In front of the nodes named by AXWB_HAPROXY_BACKENDS (host:port,host:port; or as arguments of haproxy_config), on
# 127.0.0.1:<free port> (AXWB_HAPROXY_PORT to choose), plain HTTP. The same rules as
# appsettings.templates/haproxy-multi-node.cfg: AXWB_NODE cookie stickiness (server names node-1, node-2, ... in the
# order given), health checks on /healthz every second, WebSockets through, redispatch when a node is down. Prints
# AXWB_TEST_HAPROXY=http://127.0.0.1:<port>. Not in SERVICES: `up` alone does not start it (it needs running nodes).
haproxy_config() {
    local port="$1" backends="$2" i=0 backend
    cat <<CFG
global
    maxconn 2000
defaults
    mode http
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 60s
    timeout server 120s
    timeout tunnel 1h
frontend workbench
    bind 127.0.0.1:$port
    default_backend workbench_nodes
backend workbench_nodes
    balance roundrobin
    cookie AXWB_NODE insert indirect nocache httponly
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
CFG
    IFS=',' read -ra list <<<"$backends"
    for backend in "${list[@]}"; do
        i=$((i + 1))
        echo "    server node-$i $backend check cookie node-$i"
    done
}

haproxy_up() {
    local dir="$STATE/haproxy" port backends="${AXWB_HAPROXY_BACKENDS:-}"
    if [ -z "$backends" ]; then
        echo "services: haproxy needs AXWB_HAPROXY_BACKENDS=host:port,host:port (the running nodes)" >&2
        return 2
    fi
    command -v haproxy >/dev/null 2>&1 || apt_install haproxy
    haproxy_down_quiet
    mkdir -p "$dir"
    port="${AXWB_HAPROXY_PORT:-$(free_port)}"
    haproxy_config "$port" "$backends" >"$dir/haproxy.cfg"
    haproxy -c -q -f "$dir/haproxy.cfg" >&2 || { cat "$dir/haproxy.cfg" >&2; return 1; }
    haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" >&2
    log "haproxy: 127.0.0.1:$port -> $backends"
    echo "export AXWB_TEST_HAPROXY='http://127.0.0.1:$port'" >"$dir/env"
    cat "$dir/env"
}

haproxy_down_quiet() {
    local dir="$STATE/haproxy"
    if [ -f "$dir/haproxy.pid" ]; then
        while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$dir/haproxy.pid"
    fi
    rm -rf "$dir"
}

haproxy_down() {
    [ -d "$STATE/haproxy" ] || return 0
    haproxy_down_quiet
    log "haproxy: stopped and removed"
}

# ---------------------------------------------------------------- dispatch
command="${1:-}"
shift || true
selected=("${@:-${SERVICES[@]}}")
if [ "$command" != up ] && [ $# -eq 0 ]; then selected=("${SERVICES[@]}" haproxy); fi
for service in "${selected[@]}"; do
    if ! declare -F "${service}_up" >/dev/null; then
        echo "services: unknown service '$service' (known: ${SERVICES[*]})" >&2
        exit 2
    fi
done
case "$command" in
    up)
        mkdir -p "$STATE"
        for service in "${selected[@]}"; do
            "${service}_up"
        done
        ;;
    install)
        # Installs without starting (before entering a network namespace, where apt-get cannot reach its mirror).
        for service in "${selected[@]}"; do
            case "$service" in
                postgres) pg_bin >/dev/null || apt_install postgresql ;;
                haproxy) command -v haproxy >/dev/null 2>&1 || apt_install haproxy ;;
            esac
        done
        ;;
    down)
        for ((i = ${#selected[@]} - 1; i >= 0; i--)); do
            "${selected[$i]}_down"
        done
        rmdir "$STATE" 2>/dev/null || true
        ;;
    *)
        echo "usage: tests/services.sh up|down|install [service...]   (services: ${SERVICES[*]}, haproxy)" >&2
        exit 2
        ;;
esac
