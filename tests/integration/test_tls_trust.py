"""aiohttp's default TLS contexts load the system trust store on first use in the CLI's
process (``_process.defer_aiohttp_trust_store``, ``_tls``), not when aiohttp is imported:
the same settings, and every https connection still verified against the same store.

Each probe runs in its own interpreter (this one imported aiohttp long ago). The TLS
server is a loopback one with the self-signed certificate in ``fixtures/tls`` (made for
these tests only: ``CN=localhost``, ``127.0.0.1``); ``SSL_CERT_FILE``, which OpenSSL reads
when the default trust store is loaded, makes it the trusted one, so a probe can show
that loading happened at the connection and from the store the process would have used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tls"

SETTINGS = r"""
import ssl, sys
from safety_regression._process import process_defaults
process_defaults()
import aiohttp.connector as connector
eager_verified = ssl.create_default_context()
eager_verified.set_alpn_protocols(("http/1.1",))
contexts = {"verified": connector._SSL_CONTEXT_VERIFIED, "unverified": connector._SSL_CONTEXT_UNVERIFIED}
for name, context in contexts.items():
    # The base class's method: what the context holds now, without loading anything.
    print(name, type(context).__name__, ssl.SSLContext.cert_store_stats(context)["x509_ca"])
verified = contexts["verified"]
print("same", verified.options == eager_verified.options, verified.verify_mode == eager_verified.verify_mode,
      verified.check_hostname, contexts["unverified"].verify_mode == ssl.CERT_NONE,
      contexts["unverified"].check_hostname)
print("loaded", verified.cert_store_stats() == eager_verified.cert_store_stats(),
      verified.get_ca_certs() == eager_verified.get_ca_certs())
print("untouched", "set_default_verify_paths" in vars(ssl.SSLContext),
      ssl.SSLContext.cert_store_stats(ssl.create_default_context())["x509_ca"] > 0)
"""

HANDSHAKE = r"""
import asyncio, ssl, sys
from safety_regression._process import process_defaults
process_defaults()
import aiohttp, aiohttp.connector as connector

async def main():
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(sys.argv[1], sys.argv[2])

    async def answer(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_context)
    port = server.sockets[0].getsockname()[1]
    print("before", ssl.SSLContext.cert_store_stats(connector._SSL_CONTEXT_VERIFIED)["x509_ca"])
    async with aiohttp.ClientSession() as session:
        try:
            async with session.get(f"https://127.0.0.1:{port}/") as response:
                print("answered", response.status, await response.text())
        except aiohttp.ClientConnectorCertificateError:
            print("refused", "certificate")
    print("after", ssl.SSLContext.cert_store_stats(connector._SSL_CONTEXT_VERIFIED)["x509_ca"])
    server.close()

asyncio.run(main())
"""


def _probe(script: str, *args: str, **environ: str) -> list[list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line.split() for line in done.stdout.splitlines()]


def test_aiohttps_contexts_are_built_as_before_and_load_the_store_when_first_read() -> None:
    lines = _probe(SETTINGS)
    assert lines[0] == ["verified", "DeferredTrustContext", "0"]  # nothing loaded at import
    assert lines[1] == ["unverified", "DeferredTrustContext", "0"]
    assert lines[2] == ["same", "True", "True", "True", "True", "False"]
    assert lines[3] == ["loaded", "True", "True"]  # the same certificates once looked at
    # Only aiohttp's two were deferred: the class is as it was, later contexts load at once.
    assert lines[4] == ["untouched", "False", "True"]


def test_an_https_connection_is_verified_against_the_store_loaded_at_that_connection() -> None:
    cert, key = str(FIXTURES / "loopback.pem"), str(FIXTURES / "loopback.key")
    trusted = _probe(HANDSHAKE, cert, key, SSL_CERT_FILE=cert)
    assert trusted == [["before", "0"], ["answered", "200", "ok"], ["after", "1"]]
    # With the machine's own store the self-signed server is refused: verification is on.
    untrusted = _probe(HANDSHAKE, cert, key)
    assert untrusted[0] == ["before", "0"]
    assert untrusted[1] == ["refused", "certificate"]
    assert int(untrusted[2][1]) > 1  # the system's CA bundle, loaded at the connection


NESTED = r"""
import ssl, sys, importlib.util
from safety_regression import _process, _tls
with _tls.deferred_trust_store():
    with _tls.deferred_trust_store():
        pass
    inner = ssl.create_default_context()  # still inside the outer window: deferred
print("nested", type(inner).__name__, ssl.SSLContext.cert_store_stats(inner)["x509_ca"])
after = ssl.create_default_context()
print("after", type(after).__name__, after.cert_store_stats()["x509_ca"] > 0,
      "set_default_verify_paths" in vars(ssl.SSLContext))
hook = _process._ConnectorHook()
spec = hook.find_spec("aiohttp.connector", importlib.util.find_spec("aiohttp").submodule_search_locations)
shared = importlib.util.find_spec("aiohttp.connector").loader
print("own loader", type(spec.loader).__name__, spec.loader is not shared,
      getattr(shared, "exec_module").__qualname__.split(".")[-1])
"""


def test_nested_windows_and_a_shared_loader_are_left_as_they_were() -> None:
    done = subprocess.run([sys.executable, "-c", NESTED], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "nested DeferredTrustContext 0",
        f"after SSLContext True {'set_default_verify_paths' in vars(__import__('ssl').SSLContext)}",
        "own loader _DeferringLoader True exec_module",
    ], done.stdout + done.stderr
