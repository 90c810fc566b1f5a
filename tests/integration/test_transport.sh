#!/usr/bin/env bash
# Transports: EDNS sizes and TC, the TCP retry, pipelined TCP queries
# (RFC 7766), the TCP idle timeout and connection limit, IPv6.
source "$(dirname "$0")/lib.sh"

cp "$GW_TEST_DATA/integration/basic.zone" "$GW_TMP/zone"
cfg=$(gw_config transport "zone: {domain: dnssd.test., file: $GW_TMP/zone}
server: {tcp-idle-timeout: 1s, tcp-max-connections: 4, tcp-max-pipelined: 4}")
gw_start "$cfg"
Z=dnssd.test.

q www.$Z A +bufsize=4096
expect "EDNS: OPT in the reply with our size 1232" has_text "UDP size: 1232 B"

q mid.$Z TXT +bufsize=1232 +ignore
expect "EDNS 1232: a 650-octet answer fits" has_count ANSWER 3
expect "EDNS 1232: no TC" lacks_flag tc
q mid.$Z TXT +bufsize=4096 +ignore
expect "client 4096 is capped by ours, still fits" has_count ANSWER 3
q mid.$Z TXT +bufsize=512 +ignore
expect "client's smaller size honoured: TC" has_flag tc
expect "truncated reply carries no partial answer" has_count ANSWER 0
q mid.$Z TXT +noedns +ignore
expect "no EDNS: 512 octets, TC" has_flag tc
q mid.$Z TXT +bufsize=100 +ignore
expect "EDNS size below 512 is treated as 512" has_flag tc

q big.$Z TXT +ignore
expect "4.9 KB RRset over UDP: TC" has_flag tc
expect "TC reply keeps the question" has_count QUERY 1
q big.$Z TXT
expect "TC then TCP retry: all 24 records" has_count ANSWER 24
q big.$Z TXT +tcp
expect "TCP: all 24 records" has_count ANSWER 24

raw pipeline 20 --names "www.dnssd.test,printer.lan.dnssd.test,nx.dnssd.test"
expect "pipelined TCP: 20 replies (4 unread at most at a time)" has_text "replies=20"
expect "pipelined TCP: replies in order" bash -c "grep -o 'id=[0-9]*' '$GW_TMP/last' | tr -d 'id=' | paste -sd, | grep -qx '$(seq -s, 1000 1019)'"
expect "pipelined TCP: NXDOMAIN among them" has_text "rcode=NXDOMAIN"

q www.$Z A +tcp +keepopen
expect "TCP query" has_status NOERROR

# The idle timeout (1 s here) closes a silent connection.
python3 - "$GW_PORT" >"$GW_TMP/last" 2>&1 <<'PY' || true
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
t = time.time()
try:
    data = s.recv(1)
    print("closed after %.1f s" % (time.time() - t) if data == b"" else "got data")
except socket.timeout:
    print("still open after 5 s")
PY
expect "idle TCP connection closed by the server" has_text "closed after"

# Connection limit 4: a fifth client waits in the backlog until one closes.
python3 - "$GW_PORT" >"$GW_TMP/last" 2>&1 <<'PY' || true
import socket, struct, sys, time
port = int(sys.argv[1])
q = bytes.fromhex("1234010000010000000000000377777705646e73736404746573740000010001")
msg = struct.pack("!H", len(q)) + q
held = [socket.create_connection(("127.0.0.1", port), timeout=3) for _ in range(4)]
for h in held:
    h.sendall(msg)
    h.recv(2)
extra = socket.create_connection(("127.0.0.1", port), timeout=0.5)
extra.sendall(msg)
try:
    extra.recv(2)
    print("fifth served while at the limit")
except socket.timeout:
    print("fifth waits")
held[0].close()
extra.settimeout(3)
try:
    print("fifth served after a close" if len(extra.recv(2)) == 2 else "no reply")
except socket.timeout:
    print("fifth never served")
PY
expect "connection limit: the fifth waits" has_text "fifth waits"
expect "connection limit: served once below the limit" has_text "fifth served after a close"

if [ -n "${GW_PORT6:-}" ]; then
	kdig @::1 -p "$GW_PORT6" +time=3 www.$Z AAAA ns1.$Z AAAA >"$GW_TMP/last" 2>&1 || true
	expect "IPv6 UDP" has_text "2001:db8::53"
	kdig @::1 -p "$GW_PORT6" +time=3 +tcp ns1.$Z AAAA >"$GW_TMP/last" 2>&1 || true
	expect "IPv6 TCP" has_text "2001:db8::53"
else
	fail "no IPv6 listener on ::1 in the ports file"
fi

gw_finish
