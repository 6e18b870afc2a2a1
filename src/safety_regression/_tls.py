"""The trust store of aiohttp's two default TLS contexts, loaded when a connection first
needs it instead of when aiohttp is imported.

``aiohttp.connector`` builds a verifying and a non-verifying ``ssl.SSLContext`` as it is
imported, and each loads the system's CA bundle (``set_default_verify_paths``): 50-60 ms
of CPU apiece on OpenSSL 3, holding the GIL, before the first request of every run. A
run against ``http://`` endpoints (a local model server, the simulator) never opens a
TLS connection; a run against ``https://`` ones uses the verifying context only.

``_process.defer_aiohttp_trust_store`` (called by the entry points, before aiohttp is
imported) executes that module inside ``deferred_trust_store``, so that those two
contexts load their CA bundle on first use: the first TLS connection
they wrap, or the first look at their certificates. Nothing else changes: the same
options, verify mode, hostname check and ALPN, and the same certificates by the time any
handshake starts. Only the contexts built while ``aiohttp.connector`` executes are
deferred; every other ``SSLContext`` of the process loads as it always does. The lowest
layer: it imports nothing of the project.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterator
from typing import Any

_LOAD_TRUST = ssl.SSLContext.set_default_verify_paths
_LOCK = threading.Lock()


class DeferredTrustContext(ssl.SSLContext):
    """An ``SSLContext`` whose ``set_default_verify_paths`` was put off: it loads the system
    trust store before it first wraps a connection or reports its certificates."""

    _trust_pending = False

    def _load_trust(self) -> None:
        if self._trust_pending:
            with _LOCK:
                if self._trust_pending:
                    _LOAD_TRUST(self)
                    self._trust_pending = False

    def set_default_verify_paths(self) -> None:
        with _LOCK:
            self._trust_pending = False
            _LOAD_TRUST(self)

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self._load_trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self._load_trust()
        return super().wrap_bio(*args, **kwargs)

    def get_ca_certs(self, binary_form: bool = False) -> Any:
        self._load_trust()
        return super().get_ca_certs(binary_form)

    def cert_store_stats(self) -> dict[str, int]:
        self._load_trust()
        return super().cert_store_stats()


def _defer(context: ssl.SSLContext) -> None:
    """Stands in for ``SSLContext.set_default_verify_paths`` while aiohttp's connector
    module executes (``ssl.create_default_context`` calls it through
    ``load_default_certs``)."""
    if type(context) is not ssl.SSLContext:  # a subclass of someone's: load as usual
        _LOAD_TRUST(context)
        return
    context.__class__ = DeferredTrustContext  # the same C layout: only the methods change
    assert isinstance(context, DeferredTrustContext)
    context._trust_pending = True


_OPEN: list[bool] = []
"""One entry per open ``deferred_trust_store`` (they may nest, or overlap on threads)."""
_OWN = "set_default_verify_paths" in vars(ssl.SSLContext)  # else inherited from _ssl's class


@contextlib.contextmanager
def deferred_trust_store() -> Iterator[None]:
    """While it is open, plain ``SSLContext``s put off loading the system trust store. The
    first to open patches the class and the last to close restores it."""
    with _LOCK:
        if not _OPEN:
            ssl.SSLContext.set_default_verify_paths = _defer  # type: ignore[method-assign,assignment]
        _OPEN.append(True)
    try:
        yield
    finally:
        with _LOCK:
            _OPEN.pop()
            if not _OPEN:
                if _OWN:
                    ssl.SSLContext.set_default_verify_paths = _LOAD_TRUST  # type: ignore[method-assign]
                else:
                    del ssl.SSLContext.set_default_verify_paths
