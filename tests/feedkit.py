"""Helpers for the feed tests: a real HTTP server on 127.0.0.1 that serves a feed folder, and can misbehave
on chosen paths (trickle, endless, redirect); a publisher on the Python API at a chosen time."""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Misbehaviour = Callable[[SimpleHTTPRequestHandler], None]


class _Handler(SimpleHTTPRequestHandler):
    misbehaviours: dict[str, Misbehaviour] = {}

    def do_GET(self) -> None:
        for suffix, misbehave in self.misbehaviours.items():
            if self.path.endswith(suffix):
                misbehave(self)
                return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(folder: Path, misbehaviours: dict[str, Misbehaviour] | None = None) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1; yields the base URL. Paths ending in a key of `misbehaviours` get that."""
    handler = type("Handler", (_Handler,), {"misbehaviours": dict(misbehaviours or {})})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def trickle(handler: SimpleHTTPRequestHandler, seconds: float = 30) -> None:
    """Promise a large body and send one byte a second (a slow-loris server), for at most `seconds`."""
    handler.send_response(200)
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.5)
    except OSError:
        pass


def endless(handler: SimpleHTTPRequestHandler, limit: int = 64 << 20) -> None:
    """A body with no length that never ends (bounded here at `limit` bytes so the test stops by itself)."""
    handler.send_response(200)
    handler.end_headers()
    chunk = b"{" * 65536
    try:
        for _ in range(limit // len(chunk)):
            handler.wfile.write(chunk)
    except OSError:
        pass


def redirect_to(location: str) -> Misbehaviour:
    def misbehave(handler: SimpleHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return misbehave


def body(data: bytes) -> Misbehaviour:
    def misbehave(handler: SimpleHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return misbehave


def publisher(repo: Path, now: dt.datetime | None = None, **days: int) -> Any:
    """The publisher API on a feed made by `feed init`, at `now` (default: the real time)."""
    from ketacli.feed.keys import no_passphrase
    from ketacli.feed.paths import DEFAULT_EXPIRY_DAYS, open_layout
    from ketacli.feed.repo import Publisher

    return Publisher(open_layout(repo), now or dt.datetime.now(dt.UTC), no_passphrase, {**DEFAULT_EXPIRY_DAYS, **days})


def new_feed(repo: Path, now: dt.datetime, **days: int) -> str:
    """A feed made on the API as `feed init` makes it, but at `now`; returns the root fingerprint."""
    from ketacli.feed.keys import no_passphrase
    from ketacli.feed.paths import DEFAULT_EXPIRY_DAYS, new_layout
    from ketacli.feed.repo import Publisher, init_repository

    layout = new_layout(repo, None, None)
    pub = Publisher(layout, now, no_passphrase, {**DEFAULT_EXPIRY_DAYS, **days})
    return str(init_repository(pub, {}))


def trust(root: Path) -> list[str]:
    """`feed add`'s `--root ROOT` and `--fingerprint` once per root key of `root`, as a person gives them from
    the publisher's page: each the SHA-256 of the key's DER public key, computed here apart from ketacli (as
    `openssl pkey -pubout -outform DER | sha256sum` prints it)."""
    import hashlib
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    signed = json.loads(root.read_bytes())["signed"]
    args = ["--root", str(root)]
    for keyid in signed["roles"]["root"]["keyids"]:
        public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(signed["keys"][keyid]["keyval"]["public"]))
        der = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        args += ["--fingerprint", hashlib.sha256(der).hexdigest()]
    return args
