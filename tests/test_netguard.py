"""The guard itself must catch egress, or the air-gap test proves nothing."""

import socket

import pytest

from tests.support.netguard import EgressAttempt, no_egress


def test_guard_blocks_public_lookup_and_connect():
    with no_egress() as attempts:
        with pytest.raises(EgressAttempt):
            socket.getaddrinfo("huggingface.co", 443)
        s = socket.socket()
        with pytest.raises(EgressAttempt):
            s.connect(("93.184.216.34", 443))
        s.close()
    assert len(attempts) == 2


def test_guard_allows_loopback():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with no_egress() as attempts:
        client = socket.socket()
        client.connect(server.getsockname())
        client.close()
        socket.getaddrinfo("localhost", 80)
    server.close()
    assert attempts == []
