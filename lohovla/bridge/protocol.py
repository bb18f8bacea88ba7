"""Messages of the bridge protocol: names, version, error codes and field checks (see docs/bridge.md).

Every request is a header map with "type" and an integer "id"; every reply echoes the id and carries
"timings" (server milliseconds). A request the server cannot serve gets an "error" reply with one
of ERROR_CODES, never silence, so a client in any language can tell a bug from an outage.
"""

from __future__ import annotations

from typing import Any

from lohovla.bridge.wire import WireError

PROTOCOL_VERSION = 1
DEFAULT_ENDPOINT = "tcp://127.0.0.1:5555"

#: request type -> reply type
REPLIES = {"hello": "metadata", "reset": "ready", "act": "step", "ping": "pong", "bye": "bye"}

ERROR_CODES = {
    "malformed": "not a msgpack map header, or a frame layout the protocol does not know",
    "bad_version": "hello carried a protocol version this server does not speak",
    "unknown_type": "the request type is not one of hello, reset, act, ping, bye",
    "bad_request": "a field is missing or has the wrong type",
    "bad_array": "an array frame's dtype, shape or size is wrong",
    "too_large": "the message exceeds the server's size caps",
    "no_session": "no session for this client: send hello (again; the server may have restarted)",
    "no_goal": "act before reset: send reset(goal) first",
    "busy": "the server holds its maximum number of sessions",
    "policy_error": "the policy raised while serving the request",
    "internal": "a server bug; the server keeps serving",
}

#: Flat float64 action: [pick xyz, pick quat xyzw, place xyz, place quat xyzw], slices into the 14 numbers.
ACTION_LAYOUT = {"pick_xyz": [0, 3], "pick_quat_xyzw": [3, 7], "place_xyz": [7, 10], "place_quat_xyzw": [10, 14]}
ACTION_SIZE = 14


class BridgeError(RuntimeError):
    """An error reply from the server (or a reply the client cannot use)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def error_reply(request_id: int | None, code: str, message: str, server_ms: float = 0.0) -> dict[str, Any]:
    """The header of an error reply."""
    assert code in ERROR_CODES, code
    return {
        "type": "error",
        "id": request_id,
        "code": code,
        "message": message[:1000],
        "timings": {"server_ms": server_ms},
    }


def request_id(header: dict[str, Any]) -> int:
    """The request's id: a non-negative int below 2**63 that the reply echoes."""
    value = header.get("id")
    if type(value) is not int or not 0 <= value < 2**63:
        raise WireError("bad_request", f"'id' must be a non-negative int64, got {value!r}")
    return value


def require(message: dict[str, Any], name: str, kind: type | tuple[type, ...], where: str = "") -> Any:
    """message[name] checked to be of `kind` (bool is not accepted as a number, nor int as bool)."""
    if name not in message:
        raise WireError("bad_request", f"missing field {where}{name!r}")
    value = message[name]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise WireError("bad_request", f"field {where}{name!r} must be {_names(kinds)}, got bool")
    if not isinstance(value, kinds):
        raise WireError("bad_request", f"field {where}{name!r} must be {_names(kinds)}, got {type(value).__name__}")
    return value


def _names(kinds: tuple[type, ...]) -> str:
    return " or ".join(k.__name__ for k in kinds)
