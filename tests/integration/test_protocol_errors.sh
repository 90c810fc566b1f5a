#!/usr/bin/env bash
# Protocol corners (issue 16, finding 6): OPT in every error reply to an
# EDNS query (RFC 6891 6.1.1 and 7), header flags in replies to other
# opcodes (RD and CD belong to QUERY, RFC 6895 2), the first of several
# COOKIE options (RFC 7873 5.2). Same zone and helpers as
# test_protocol.sh (the referrals).
source "$(dirname "$0")/protocol.sh"

# ---- error replies and opcodes ------------------------------------------
p opcode 2 --edns
expect "unknown opcode: NOTIMP" has_text "rcode=NOTIMP"
expect "NOTIMP to an EDNS query carries OPT" has_text "opt=yes"
expect "NOTIMP keeps the opcode" has_text "opcode=STATUS"
expect "NOTIMP does not echo RD (QUERY only)" bash -c "! grep -q 'flags=[a-z,]*\brd\b' '$GW_TMP/last'"
expect "NOTIMP does not echo CD (QUERY only)" bash -c "! grep -q 'flags=[a-z,]*\bcd\b' '$GW_TMP/last'"
p opcode 2
expect "NOTIMP to a query without EDNS has no OPT" has_text "opt=no"
p formerr --edns
expect "two questions: FORMERR" has_text "rcode=FORMERR"
expect "FORMERR to an EDNS query carries OPT" has_text "opt=yes"
p opcode 0 --edns
expect "QUERY keeps RD and CD" has_text "flags=qr,aa,rd,cd"
p cookies
expect "two COOKIE options: answered, not FORMERR" has_text "rcode=NOERROR"
expect "two COOKIE options: the answer is there" has_rr "answer www.deleg.test. A"

gw_finish
