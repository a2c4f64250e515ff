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

SERVICES=(postgres slapd)   # started in this order, stopped in reverse
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

# ---------------------------------------------------------------- OpenLDAP (Debian's slapd) for the Ldap tests
# A private slapd: its own slapd.conf, mdb database and test CA in $STATE/slapd, listening on ldap://127.0.0.1:<port>
# (StartTLS) and ldaps://127.0.0.1:<port>, run as the calling user (no system instance: the package is installed
# with slapd/no_configuration so Debian configures and starts nothing). The test tree (dc=axwb,dc=test):
#   ou=people  inetOrgPerson + shadowAccount users; the workbench reads the clearance from employeeType and the unit
#              from departmentNumber; a disabled account carries shadowExpire: 0 (expired at the epoch, pam_ldap's
#              meaning), the filter the tests configure is (shadowExpire=0)
#              ana (SECRET, 1st Analysis Unit, analysts), sup (TOP SECRET, supervisors), adm (admins, supervisors),
#              gone (disabled), odd (clearance "ULTRA PURPLE", not a marking)
#   ou=groups  groupOfNames analysts, supervisors, admins
#   ou=services cn=workbench: the search account (reads everything but passwords)
# Every user's password is the one in user-password; the tests change the tree as cn=admin (admin-password).
# AXWB_TEST_LDAP_START restarts a stopped slapd on the same ports with the same data (the directory-down test).
LDAP_BASE="dc=axwb,dc=test"

slapd_running() {
    [ -f "$1/slapd.pid" ] && kill -0 "$(cat "$1/slapd.pid")" 2>/dev/null
}

slapd_up() {
    local dir="$STATE/slapd" port tls_port admin_pw service_pw user_pw
    local PATH="$PATH:/usr/sbin"
    if [ -f "$dir/env" ] && slapd_running "$dir"; then
        cat "$dir/env"
        return
    fi
    slapd_down_quiet
    if ! command -v slapd >/dev/null 2>&1 && [ ! -x /usr/sbin/slapd ]; then
        echo "slapd slapd/no_configuration boolean true" | as_root debconf-set-selections
        apt_install slapd ldap-utils
    elif ! command -v ldapmodify >/dev/null 2>&1; then
        apt_install ldap-utils
    fi
    mkdir -p "$dir/data"
    port=$(free_port)
    tls_port=$(free_port)
    admin_pw=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    service_pw=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
    user_pw="Dir-$(python3 -c 'import secrets; print(secrets.token_hex(8))')"
    printf '%s' "$admin_pw" >"$dir/admin-password"
    printf '%s' "$service_pw" >"$dir/service-password"
    printf '%s' "$user_pw" >"$dir/user-password"
    chmod 600 "$dir"/*-password

    log "slapd: test CA and server certificate in $dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=AxWorkbench LDAP test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" \
        -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
        -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null

    cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile $dir/ca.pem
TLSCertificateFile $dir/server.pem
TLSCertificateKeyFile $dir/server.key
database mdb
maxsize 104857600
suffix "$LDAP_BASE"
rootdn "cn=admin,$LDAP_BASE"
rootpw $(slappasswd -s "$admin_pw")
directory $dir/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
CONF
    local hash
    hash=$(slappasswd -s "$user_pw")
    cat >"$dir/tree.ldif" <<LDIF
dn: $LDAP_BASE
objectClass: dcObject
objectClass: organization
dc: axwb
o: AxWorkbench test

dn: ou=people,$LDAP_BASE
objectClass: organizationalUnit
ou: people

dn: ou=groups,$LDAP_BASE
objectClass: organizationalUnit
ou: groups

dn: ou=services,$LDAP_BASE
objectClass: organizationalUnit
ou: services

dn: cn=workbench,ou=services,$LDAP_BASE
objectClass: person
cn: workbench
sn: workbench
userPassword: $(slappasswd -s "$service_pw")

LDIF
    ldap_person ana "Ana Lee" "SECRET" "1st Analysis Unit" >>"$dir/tree.ldif"
    ldap_person sup "Sun Park" "TOP SECRET" "1st Analysis Unit" >>"$dir/tree.ldif"
    ldap_person adm "Dae Kim" "TOP SECRET" "Operations" >>"$dir/tree.ldif"
    ldap_person gone "Gil Choi" "SECRET" "1st Analysis Unit" "0" >>"$dir/tree.ldif"
    ldap_person odd "Oh Yoon" "ULTRA PURPLE" "1st Analysis Unit" >>"$dir/tree.ldif"
    ldap_group analysts ana gone odd >>"$dir/tree.ldif"
    ldap_group supervisors sup adm >>"$dir/tree.ldif"
    ldap_group admins adm >>"$dir/tree.ldif"
    sed -i "s|^userPassword: USERHASH\$|userPassword: $hash|" "$dir/tree.ldif"
    slapadd -f "$dir/slapd.conf" -l "$dir/tree.ldif" >"$dir/slapadd.log" 2>&1 || { cat "$dir/slapadd.log" >&2; return 1; }

    cat >"$dir/start" <<START
#!/bin/sh
# Starts this test slapd again (same ports, same data); waits until it answers.
exec /bin/sh -c 'slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tls_port/" >>"$dir/slapd.log" 2>&1 \
  && for i in \$(seq 1 100); do LDAPTLS_CACERT="$dir/ca.pem" ldapsearch -x -ZZ -H ldap://127.0.0.1:$port -b "" -s base >/dev/null 2>&1 && exit 0; sleep 0.1; done; echo "slapd did not answer on 127.0.0.1:$port" >&2; exit 1'
START
    chmod 755 "$dir/start"
    log "slapd: starting on ldap://127.0.0.1:$port (StartTLS) and ldaps://127.0.0.1:$tls_port"
    PATH="$PATH:/usr/sbin" "$dir/start" || { cat "$dir/slapd.log" >&2; return 1; }
    {
        echo "export AXWB_TEST_LDAP_URL='ldap://127.0.0.1:$port'"
        echo "export AXWB_TEST_LDAPS_URL='ldaps://127.0.0.1:$tls_port'"
        echo "export AXWB_TEST_LDAP_BASE='$LDAP_BASE'"
        echo "export AXWB_TEST_LDAP_CA='$dir/ca.pem'"
        echo "export AXWB_TEST_LDAP_BIND_DN='cn=workbench,ou=services,$LDAP_BASE'"
        echo "export AXWB_TEST_LDAP_BIND_PASSWORD_FILE='$dir/service-password'"
        echo "export AXWB_TEST_LDAP_ADMIN_DN='cn=admin,$LDAP_BASE'"
        echo "export AXWB_TEST_LDAP_ADMIN_PASSWORD_FILE='$dir/admin-password'"
        echo "export AXWB_TEST_LDAP_USER_PASSWORD_FILE='$dir/user-password'"
        echo "export AXWB_TEST_LDAP_PIDFILE='$dir/slapd.pid'"
        echo "export AXWB_TEST_LDAP_START='$dir/start'"
    } >"$dir/env"
    cat "$dir/env"
}

# ldap_person uid "Full Name" clearance unit [shadowExpire]
ldap_person() {
    printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nobjectClass: shadowAccount\nuid: %s\ncn: %s\nsn: %s\n' \
        "$1" "$LDAP_BASE" "$1" "$2" "${2##* }"
    printf 'employeeType: %s\ndepartmentNumber: %s\nuserPassword: USERHASH\n' "$3" "$4"
    [ -n "${5:-}" ] && printf 'shadowExpire: %s\n' "$5"
    printf '\n'
}

# ldap_group name member...
ldap_group() {
    local name="$1" member
    shift
    printf 'dn: cn=%s,ou=groups,%s\nobjectClass: groupOfNames\ncn: %s\n' "$name" "$LDAP_BASE" "$name"
    for member in "$@"; do
        printf 'member: uid=%s,ou=people,%s\n' "$member" "$LDAP_BASE"
    done
    printf '\n'
}

slapd_down_quiet() {
    local dir="$STATE/slapd" pid i
    [ -d "$dir" ] || return 0
    if slapd_running "$dir"; then
        pid=$(cat "$dir/slapd.pid")
        kill "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}

slapd_down() {
    [ -d "$STATE/slapd" ] || return 0
    slapd_down_quiet
    log "slapd: stopped and removed"
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
