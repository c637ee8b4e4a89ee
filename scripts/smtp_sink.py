#!/usr/bin/env python3
"""A local SMTP sink for tests: STARTTLS required, AUTH (PLAIN/LOGIN) required after TLS, every accepted message
written to OUT_DIR as <n>.eml with the envelope and whether TLS and AUTH were used. Listens on 127.0.0.1 only and
stops when its standard input closes (so it never outlives the test that started it).

  smtp_sink.py PORT CERT_FILE KEY_FILE USER PASSWORD OUT_DIR
"""
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    port, cert, key, user, password, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
    os.makedirs(out, exist_ok=True)
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(1)
            path = os.path.join(out, f"{len(received)}.eml")
            header = (f"X-Sink-TLS: {'yes' if session.ssl else 'no'}\r\nX-Sink-Auth: {session.authenticated}\r\n"
                      f"X-Sink-Mail-From: {envelope.mail_from}\r\nX-Sink-Rcpt-To: {','.join(envelope.rcpt_tos)}\r\n")
            with open(path + ".tmp", "wb") as f:
                f.write(header.encode() + envelope.original_content)
            os.rename(path + ".tmp", path)
            return "250 Message accepted"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok)

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_required=True, auth_require_tls=True)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
