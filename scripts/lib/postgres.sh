# shellcheck shell=bash
# A throwaway PostgreSQL cluster for tests and benchmarks.
#
#   source scripts/lib/postgres.sh
#   pg_throwaway_start            # sets PG_THROWAWAY_URL, _PORT, _DIR, _VERSION
#   PG_THROWAWAY_WANT_PORT=5432 pg_throwaway_start   # on that port (for a program that
#                                 # cannot be told another, as the benchmark's peer)
#   trap pg_throwaway_stop EXIT   # the caller owns the trap
#   ... use "$PG_THROWAWAY_URL" ...
#
# Why a private cluster rather than the machine's PostgreSQL: every run gets an
# empty server nobody else uses, on a port nobody else uses, so two runs (two
# worktrees, two CI jobs) never see each other's data, and nothing is left
# behind: the whole cluster lives in one temp dir that pg_throwaway_stop deletes.
#
# Needs apt_install from scripts/lib/apt.sh when the server binaries are missing.

PG_THROWAWAY_DIR=
PG_THROWAWAY_PORT=
PG_THROWAWAY_URL=
PG_THROWAWAY_VERSION=
_pg_bin=
_pg_as=() # prefix that runs a command as the cluster's OS user

# Make sure initdb/pg_ctl exist; Debian keeps them outside PATH, per version.
# Sets _pg_bin to the newest installed version's bin dir.
pg_throwaway_find_or_install() {
    if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        apt_install postgresql
    fi
    _pg_bin=$(dirname "$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
    [ -x "$_pg_bin/initdb" ] || {
        echo "error: no PostgreSQL server binaries under /usr/lib/postgresql" >&2
        return 1
    }
    PG_THROWAWAY_VERSION=$(basename "$(dirname "$_pg_bin")")
}

# Print a TCP port on 127.0.0.1 that is free right now. Asking the OS for port 0
# is the reliable way; the bash-only fallback guesses and checks. Either can race
# with another process, which is why pg_throwaway_start retries on "in use".
_pg_free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    local port
    while :; do
        port=$((20000 + RANDOM % 30000))
        # A successful connect means someone listens there: try another one.
        (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

pg_throwaway_start() {
    pg_throwaway_find_or_install || return 1

    # initdb refuses to run as root. As root, run the server as the `postgres`
    # OS user (created by Debian's postgresql package); otherwise as ourselves.
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || {
            echo "error: running as root but there is no 'postgres' OS user to run the server" >&2
            return 1
        }
        _pg_as=(runuser -u postgres --)
    else
        _pg_as=()
    fi

    # Short path on purpose: the unix socket lives here and socket paths are
    # limited to ~100 bytes.
    PG_THROWAWAY_DIR=$(mktemp -d /tmp/grants-pg.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_THROWAWAY_DIR"
    local dir=$PG_THROWAWAY_DIR

    # The server listens on TCP, so it gets a real password (never `trust` on a
    # network port). Hex keeps the password safe to paste into a URL.
    local password
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    "${_pg_as[@]}" sh -c 'umask 077; cat >"$1"' sh "$dir/pwfile" <<<"$password"

    # `grants` is the superuser the tests connect as. Trust is only for the unix
    # socket, which sits in this 0700 temp dir (handy for debugging with psql -h).
    "${_pg_as[@]}" "$_pg_bin/initdb" --pgdata="$dir/data" --username=grants \
        --pwfile="$dir/pwfile" --auth-host=scram-sha-256 --auth-local=trust \
        --encoding=UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 || {
        echo "error: initdb failed:" >&2
        cat "$dir/initdb.log" >&2
        return 1
    }
    rm -f "$dir/pwfile"

    # Test-only settings: durability off (a crash just means rerun the tests),
    # enough connections for parallel tests that each open a pool.
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

    # The port is passed at start (not written in the config) so a retry can
    # pick another one if somebody grabbed ours between the check and the bind.
    local attempt
    for attempt in 1 2 3 4 5; do
        PG_THROWAWAY_PORT=${PG_THROWAWAY_WANT_PORT:-$(_pg_free_port)}
        echo "==> starting PostgreSQL $PG_THROWAWAY_VERSION on 127.0.0.1:$PG_THROWAWAY_PORT ($dir)"
        rm -f "$dir/server.log" # one attempt's log, so the grep below sees only it
        # -w: wait until the server accepts connections (or died), at most -t seconds.
        if "${_pg_as[@]}" "$_pg_bin/pg_ctl" start --pgdata="$dir/data" --log="$dir/server.log" \
            -w -t 60 -o "-p $PG_THROWAWAY_PORT" >"$dir/pg_ctl.out" 2>&1; then
            break
        fi
        if ! grep -q 'Address already in use' "$dir/server.log" 2>/dev/null || [ "$attempt" -eq 5 ]; then
            echo "error: PostgreSQL did not start:" >&2
            cat "$dir/pg_ctl.out" "$dir/server.log" >&2 2>/dev/null || true
            return 1
        fi
        echo "==> port $PG_THROWAWAY_PORT was taken meanwhile, trying another"
    done

    # pg_ctl checked the unix socket; the tests use TCP, so check that too.
    "$_pg_bin/pg_isready" -q -h 127.0.0.1 -p "$PG_THROWAWAY_PORT" -t 10 || {
        echo "error: PostgreSQL started but does not answer on 127.0.0.1:$PG_THROWAWAY_PORT; server log:" >&2
        cat "$dir/server.log" >&2
        return 1
    }
    PG_THROWAWAY_URL="postgres://grants:$password@127.0.0.1:$PG_THROWAWAY_PORT/postgres"
}

# Stop the server and delete everything it wrote. Safe to call more than once
# and after a failed or partial start, which is what an EXIT trap needs.
pg_throwaway_stop() {
    local dir=$PG_THROWAWAY_DIR
    [ -n "$dir" ] || return 0
    PG_THROWAWAY_DIR=
    if [ -f "$dir/data/postmaster.pid" ]; then
        # Immediate: no checkpoint, nothing worth keeping. If pg_ctl cannot do
        # it, kill the postmaster by the pid it recorded (first line).
        "${_pg_as[@]}" "$_pg_bin/pg_ctl" stop --pgdata="$dir/data" -m immediate -w -t 30 >/dev/null 2>&1 ||
            kill -KILL "$(head -n 1 "$dir/data/postmaster.pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
