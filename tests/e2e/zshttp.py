# SPDX-License-Identifier: Apache-2.0
"""Read one HTTP/1.1 reply from a socket, for the e2e test clients."""


def read_reply(s, keep=True):
    """(status, head, body) of the next reply on s; the body is dropped
    (b"") unless keep. Raises OSError if the peer closes before its end.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise OSError("closed before the headers")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = None
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    got = len(body)
    while length is None or got < length:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise OSError("closed before the body's end")
        got += len(chunk)
        if keep:
            body += chunk
    return int(head.split()[1]), head, body if keep else b""
