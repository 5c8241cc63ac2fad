"""SMTP relays on 127.0.0.1 (aiosmtpd) for the delivery figures and their tests: a healthy one, and one that
answers each step of the conversation after a delay, like an overloaded or throttling mail server."""

import asyncio

from aiosmtpd.controller import Controller

from localhost import free_port


class CountingRelay:
    """Accepts every message; counts them (or hands each to `inner`, an aiosmtpd handler that keeps them)."""

    def __init__(self, inner=None):
        self.inner = inner
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        self.received += 1
        if self.inner is not None:
            return await self.inner.handle_DATA(server, session, envelope)
        return "250 Message accepted for delivery"


class SlowRelay(CountingRelay):
    """Answers EHLO, MAIL, RCPT and DATA each after `delay` seconds; `sessions` counts the conversations begun."""

    def __init__(self, delay, inner=None):
        super().__init__(inner)
        self.delay = delay
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        await asyncio.sleep(self.delay)
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await asyncio.sleep(self.delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


class Relay:
    """`with Relay(handler) as relay:` an aiosmtpd server on a free port; relay.url is FORMS_MAILER for it."""

    def __init__(self, handler):
        self.handler = handler
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
