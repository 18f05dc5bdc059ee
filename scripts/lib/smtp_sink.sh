# shellcheck shell=bash
# A throwaway SMTP server for the mail tests: aiosmtpd (from PyPI) behind scripts/lib/smtp_sink.py,
# which writes every accepted message to a directory.
#
#   source scripts/lib/smtp_sink.sh
#   smtp_sink_start            # sets SMTP_SINK_PORT and SMTP_SINK_DIR
#   ... the tests read GRANTS_TEST_SMTP_PORT / GRANTS_TEST_SMTP_DIR ...
#   smtp_sink_stop             # the caller's EXIT trap calls it
#
# aiosmtpd is installed once into a virtual environment under the user's cache directory
# (nothing is installed system-wide); a later run reuses it.

SMTP_SINK_PORT=
SMTP_SINK_DIR=
SMTP_SINK_PID=
_smtp_sink_venv=${GRANTS_SMTP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/grants/smtp-sink-venv}

_smtp_sink_python() {
    if [ ! -x "$_smtp_sink_venv/bin/python3" ] || ! "$_smtp_sink_venv/bin/python3" -c 'import aiosmtpd' 2>/dev/null; then
        command -v python3 >/dev/null || apt_install python3 python3-venv
        echo "==> installing aiosmtpd into $_smtp_sink_venv" >&2
        python3 -m venv "$_smtp_sink_venv" >&2 || return 1
        "$_smtp_sink_venv/bin/python3" -m pip install --quiet --disable-pip-version-check 'aiosmtpd>=1.4,<2' >&2 || return 1
    fi
    echo "$_smtp_sink_venv/bin/python3"
}

smtp_sink_start() {
    local python
    python=$(_smtp_sink_python) || {
        echo "error: could not install aiosmtpd for the mail tests" >&2
        return 1
    }
    SMTP_SINK_DIR=$(mktemp -d /tmp/grants-smtp.XXXXXX)
    local attempt i
    for attempt in 1 2 3 4 5; do
        SMTP_SINK_PORT=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        "$python" "$(dirname "${BASH_SOURCE[0]}")/smtp_sink.py" "$SMTP_SINK_PORT" "$SMTP_SINK_DIR/mail" \
            >"$SMTP_SINK_DIR/sink.log" 2>&1 &
        SMTP_SINK_PID=$!
        for i in $(seq 50); do
            if (: >"/dev/tcp/127.0.0.1/$SMTP_SINK_PORT") 2>/dev/null; then
                echo "==> SMTP sink (aiosmtpd) on 127.0.0.1:$SMTP_SINK_PORT ($SMTP_SINK_DIR/mail)"
                return 0
            fi
            kill -0 "$SMTP_SINK_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$SMTP_SINK_PID" 2>/dev/null || true
        wait "$SMTP_SINK_PID" 2>/dev/null || true
        echo "==> the SMTP sink did not start on $SMTP_SINK_PORT (attempt $attempt)" >&2
    done
    cat "$SMTP_SINK_DIR/sink.log" >&2
    return 1
}

smtp_sink_stop() {
    if [ -n "$SMTP_SINK_PID" ]; then
        kill "$SMTP_SINK_PID" 2>/dev/null || true
        wait "$SMTP_SINK_PID" 2>/dev/null || true
        SMTP_SINK_PID=
    fi
    if [ -n "$SMTP_SINK_DIR" ]; then
        rm -rf "$SMTP_SINK_DIR"
        SMTP_SINK_DIR=
    fi
}
