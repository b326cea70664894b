"""A real SMTP server for the tests (aiosmtpd), delivering into a Maildir, that can also
misbehave on request: refuse recipients or data with a code, drop the connection in DATA, or
stall at a given step so that a test can kill the client there.

usage: sink.py PORT MAILDIR LOG [--rcpt-code N] [--data-code N] [--drop-in-data]
                                [--delay-ehlo S] [--delay-rcpt S] [--delay-after-delivery S]
"""
import argparse
import asyncio
import mailbox
import time

from aiosmtpd.controller import Controller

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("maildir")
p.add_argument("log")
p.add_argument("--rcpt-code", type=int)
p.add_argument("--data-code", type=int)
p.add_argument("--drop-in-data", action="store_true")
p.add_argument("--delay-ehlo", type=float, default=0)
p.add_argument("--delay-rcpt", type=float, default=0)
p.add_argument("--delay-after-delivery", type=float, default=0)
a = p.parse_args()


def log(event):
    with open(a.log, "a") as f:
        f.write(event + "\n")


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        log("EHLO")
        if a.delay_ehlo:
            await asyncio.sleep(a.delay_ehlo)
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        log("RCPT " + address)
        if a.delay_rcpt:
            await asyncio.sleep(a.delay_rcpt)
        if a.rcpt_code:
            return f"{a.rcpt_code} refused for the test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        log("DATA")
        if a.drop_in_data:
            server.transport.close()
            return "421 closing"
        if a.data_code:
            return f"{a.data_code} refused for the test"
        mailbox.Maildir(a.maildir, create=True).add(envelope.original_content)
        log("DELIVERED")
        if a.delay_after_delivery:
            await asyncio.sleep(a.delay_after_delivery)
        return "250 Message accepted for delivery"


controller = Controller(Handler(), hostname="127.0.0.1", port=a.port)
controller.start()
log("READY")
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
