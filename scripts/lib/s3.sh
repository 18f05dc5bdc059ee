# shellcheck shell=bash
# A throwaway S3-compatible server (moto's, from PyPI) for the attachment tests.
#
#   source scripts/lib/s3.sh
#   s3_throwaway_start            # sets S3_THROWAWAY_ENDPOINT (http://127.0.0.1:PORT)
#   trap s3_throwaway_stop EXIT   # the caller owns the trap
#
# moto keeps everything in memory: stopping it leaves nothing behind. Tests create their own
# buckets (a PUT on the bucket's path), so two tests never share one. Credentials are not checked;
# any key pair works.

S3_THROWAWAY_ENDPOINT=
_s3_pid=
_s3_log=

# moto's server, installed from PyPI when it is missing.
s3_throwaway_find_or_install() {
    if python3 -c 'import moto.server, flask, flask_cors' 2>/dev/null; then
        return 0
    fi
    echo "==> installing moto[server] from PyPI (the S3-compatible test server)"
    python3 -m pip install --quiet 'moto[server]>=5,<6' || {
        echo "error: could not install moto[server] with pip" >&2
        return 1
    }
}

s3_throwaway_start() {
    s3_throwaway_find_or_install || return 1
    local port attempt
    _s3_log=$(mktemp /tmp/grants-s3.XXXXXX)
    for attempt in 1 2 3 4 5; do
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        echo "==> starting moto's S3 server on 127.0.0.1:$port"
        python3 -m moto.server -H 127.0.0.1 -p "$port" >"$_s3_log" 2>&1 &
        _s3_pid=$!
        local i
        for i in $(seq 100); do
            if (: >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                S3_THROWAWAY_ENDPOINT="http://127.0.0.1:$port"
                return 0
            fi
            kill -0 "$_s3_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$_s3_pid" 2>/dev/null || true
        wait "$_s3_pid" 2>/dev/null || true
        _s3_pid=
        echo "==> moto did not start on port $port (attempt $attempt)" >&2
    done
    echo "error: moto's S3 server did not start:" >&2
    cat "$_s3_log" >&2
    return 1
}

# Safe to call more than once and after a failed start.
s3_throwaway_stop() {
    if [ -n "$_s3_pid" ]; then
        kill "$_s3_pid" 2>/dev/null || true
        wait "$_s3_pid" 2>/dev/null || true
        _s3_pid=
    fi
    [ -z "$_s3_log" ] || rm -f "$_s3_log"
    _s3_log=
}
