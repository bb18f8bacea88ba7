"""CurveZMQ keys for a bridge exposed on a network: generate, load, and apply them to sockets.

Key files are ZeroMQ's own certificate format (`NAME.key` public, `NAME.key_secret` secret), so keys
made here work with any ZeroMQ binding. The server admits only clients whose public key file lies in
its authorized directory; everything on the wire is then encrypted.

    python -m lohovla.bridge.curve DIR NAME      # writes DIR/NAME.key and DIR/NAME.key_secret
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.auth


@dataclass(frozen=True)
class ServerKeys:
    """The server's secret key file and the directory of authorized client public keys."""

    secret_file: str
    authorized_dir: str


@dataclass(frozen=True)
class ClientKeys:
    """The client's secret key file and the server's public key file."""

    secret_file: str
    server_public_file: str


def generate_keypair(directory: str | Path, name: str) -> tuple[Path, Path]:
    """Write NAME.key (share it) and NAME.key_secret (keep it) into directory; returns both paths."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    public, secret = zmq.auth.create_certificates(str(directory), name)
    return Path(public), Path(secret)


def _load(path: str, need_secret: bool) -> tuple[bytes, bytes | None]:
    public, secret = zmq.auth.load_certificate(path)
    if need_secret and not secret:
        raise ValueError(f"{path} holds no secret key")
    return public, secret


def secure_server(socket: zmq.Socket, keys: ServerKeys) -> zmq.auth.thread.ThreadAuthenticator:
    """Make a bound socket a CURVE server that admits only the authorized clients.

    Returns the running authenticator; stop() it when the socket closes.
    """
    from zmq.auth.thread import ThreadAuthenticator  # only the server needs the auth thread

    if not Path(keys.authorized_dir).is_dir():
        raise FileNotFoundError(f"authorized client key directory {keys.authorized_dir} does not exist")
    auth = ThreadAuthenticator(socket.context)
    auth.start()
    auth.configure_curve(domain="*", location=keys.authorized_dir)
    public, secret = _load(keys.secret_file, need_secret=True)
    socket.curve_publickey, socket.curve_secretkey = public, secret
    socket.curve_server = True
    return auth


def secure_client(socket: zmq.Socket, keys: ClientKeys) -> None:
    """Set a socket's CURVE keys before it connects."""
    public, secret = _load(keys.secret_file, need_secret=True)
    server_public, _ = _load(keys.server_public_file, need_secret=False)
    socket.curve_publickey, socket.curve_secretkey = public, secret
    socket.curve_serverkey = server_public


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m lohovla.bridge.curve DIR NAME")
    for path in generate_keypair(sys.argv[1], sys.argv[2]):
        print(path)
