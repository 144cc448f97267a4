"""A raw client-side WebSocket for the hostile-client scripts (frozen_clients.py, pool_shares.py):
the HTTP upgrade to /socket.io/?EIO=4&transport=websocket by hand, and masked text frames, so a
script can choose its source address and receive buffer and stop reading whenever it likes."""
import socket


def masked(text):
    """One client text frame (FIN, masked, any length)."""
    data = text.encode()
    mask = b"\x01\x02\x03\x04"
    n = len(data)
    if n < 126:
        head = bytes([0x81, 0x80 | n])
    elif n < 65536:
        head = bytes([0x81, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def upgrade(url, source="127.0.0.1", rcvbuf=None, timeout=10):
    """A socket upgraded to a WebSocket, and what arrived after the response head."""
    host, port = url.replace("http://", "").split(":")
    s = socket.create_connection((host, int(port)), timeout=timeout, source_address=(source, 0))
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.sendall(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (host, port)).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the upgrade")
        buf += chunk
    return s, buf.split(b"\r\n\r\n", 1)[1]
