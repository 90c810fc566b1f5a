#!/usr/bin/python3
"""A stand-in for systemd's notification socket (sd_notify(3)).

    notify_listen.py SOCKET LOG

Binds an AF_UNIX datagram socket at SOCKET, writable by anyone (the
daemon sends from its own user once it dropped root, as to systemd's),
and appends each message to LOG as one line, its fields joined by '|',
flushed at once so that a test can poll the file. Runs until killed.
"""

import os
import socket
import sys


def main():
    path, log = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o777)
    with open(log, "a", encoding="utf-8") as out:
        out.write("listening\n")
        out.flush()
        while True:
            data = sock.recv(4096)
            text = data.decode("utf-8", "replace").strip("\n")
            out.write(text.replace("\n", "|") + "\n")
            out.flush()


if __name__ == "__main__":
    main()
