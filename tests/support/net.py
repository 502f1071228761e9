"""Loopback networking for tests."""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def _below_ephemeral() -> tuple[int, int]:
    """Ports below the kernel's ephemeral range (Linux: 32768-60999 by default): the ports
    outgoing connections and `bind(0)` take. A port chosen there can be taken by any connection
    of the suite's other workers between the check and the server's bind; below it, only by
    another server started the same way, which picks at random among thousands."""
    try:
        low = int(_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return 20000, max(20001, low - 1)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing uses right now, for TCP and for UDP."""
    low, high = _below_ephemeral()
    pick = random.SystemRandom()
    for _ in range(200):
        port = pick.randint(low, high)
        try:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port
    with socket.socket() as s:  # everything below the range taken: let the kernel choose
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
