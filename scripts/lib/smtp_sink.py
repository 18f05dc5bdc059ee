"""A real SMTP server for the tests (aiosmtpd): every message it accepts is written to a directory,
as the raw message (NAME.eml) and as JSON (NAME.json: envelope, Message-ID, decoded subject and
text body), so the tests can read what a mail said without a MIME parser of their own.

    python3 scripts/lib/smtp_sink.py PORT DIR

Runs until it is terminated. Started and stopped by scripts/lib/smtp_sink.sh.
"""

import asyncio
import email
import email.policy
import json
import os
import signal
import sys
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": message.get("Message-ID", ""),
            "subject": str(message.get("Subject", "")),
            "to": str(message.get("To", "")),
            "body": body.get_content() if body is not None else "",
        }
        name = uuid.uuid4().hex
        with open(os.path.join(self.directory, name + ".eml"), "wb") as out:
            out.write(raw)
        partial = os.path.join(self.directory, "." + name + ".json.partial")
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.rename(partial, os.path.join(self.directory, name + ".json"))
        return "250 Message accepted for delivery"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp sink listening on 127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()
