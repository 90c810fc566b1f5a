#!/usr/bin/env bash
# The status page (gateway/http: GET /, GET /api/<topic>) on the metrics
# listener, with real mirrored services: the two-LAN topology of
# topology.sh, python3-zeroconf publishing printers, a NAS, speakers and
# two services whose instance names are HTML, the gateway signing.
#   - /api/services, /api/links, /api/status, /api/keys, /api/ds are the
#     JSON of gw_status_json(): every published instance on its link,
#     the ?link=, ?zone= and ?limit= filters, 404 for unknown names;
#   - every reply has Content-Type with charset, Cache-Control: no-store,
#     X-Content-Type-Options: nosniff and a Content-Security-Policy; the
#     page's policy allows its inline style and script by SHA-256 (the
#     hashes of what was served) and nothing inline besides;
#   - unknown path 404, POST 405 with Allow, HEAD without a body;
#   - headless Chromium runs the page: the DOM lists the links and every
#     instance, the HTML in names is text (no element made of it), the
#     search from the address (#q=) hides what does not match;
#   - screenshots (desktop and phone width) are PNGs; with
#     GW_STATUS_SCREENSHOTS=DIR they are kept there (docs/status-page.png);
#   - a client outside metrics.allow (the default: loopback) gets nothing.
source "$(dirname "$0")/lib.sh"
source "$GW_INTEGRATION_DIR/topology.sh"
for tool in chromium ip; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/setup.sh)" >&2; exit 1; }
done

TOPO_DIR=$GW_TMP
TOPO_NAME=stp$$
topo_setup
D=home.arpa.
cfg=$(topo_gw_config "$D" "mdns: {batch-window: 50ms}
metrics: {listen: [\"127.0.0.1@0\", \"$TOPO_GW_WAN_4@0\"], hosts: [router.lan]}")
topo_gw_start "$cfg"
MPORT=$(awk '$1 == "metrics" && $2 == "127.0.0.1" {print $3; exit}' "$GW_TMP/ports")
WPORT=$(awk -v a="$TOPO_GW_WAN_4" '$1 == "metrics" && $2 == a {print $3; exit}' "$GW_TMP/ports")
if [ -z "$MPORT" ] || [ -z "$WPORT" ]; then
	topo_die "no metrics lines in the ports file: $(cat "$GW_TMP/ports")"
fi
BASE="http://127.0.0.1:$MPORT"

# A home: printers, a NAS, speakers, a host; two instance names are HTML.
HTML1='<b>bold</b> toaster'
HTML2='<img src=x onerror=alert(1)>'
topo_pub_start 1
topo_pub_start 2
topo_pub 1 register printer
topo_pub 1 register ssh
topo_pub 1 service _ipp._tcp 631 officelaser Office Laser
topo_pub 1 service _ipps._tcp 631 officelaser Office Laser
topo_pub 1 service _smb._tcp 445 nas NAS
topo_pub 1 service _http._tcp 80 nas NAS admin
topo_pub 2 service _airplay._tcp 7000 appletv Living Room
topo_pub 2 service _googlecast._tcp 8009 speaker Kitchen speaker
topo_pub 2 service _ipp._tcp 631 upstairs Upstairs Printer
# link TAB type TAB instance, as /api/services must list them.
EXPECTED="$GW_TMP/expected.tsv"
cat >"$EXPECTED" <<EOF
lan1	_ipp._tcp	B\\u00fcro Drucker\\\\2
lan1	_ssh._tcp	lanhost
lan1	_ipp._tcp	Office Laser
lan1	_ipps._tcp	Office Laser
lan1	_smb._tcp	NAS
lan1	_http._tcp	NAS admin
lan1	_http._tcp	$HTML1
lan2	_airplay._tcp	Living Room
lan2	_googlecast._tcp	Kitchen speaker
lan2	_ipp._tcp	Upstairs Printer
lan2	_http._tcp	$HTML2
EOF
NSVC=$(wc -l <"$EXPECTED")

# get PATH OUT [METHOD]: an HTTP request from inside the gateway's
# namespace; the body in OUT, the status line and headers in OUT.head
# ("STATUS" then "name: value" lines, names in lower case).
get() {
	ip netns exec "$NS_GW" python3 - "$BASE" "$1" "$2" "${3:-GET}" <<'PY'
import http.client, os, sys, urllib.parse
base, path, out, method = sys.argv[1:5]
u = urllib.parse.urlsplit(base)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
# GW_HOST: the Host header a browser would send for another name.
headers = {"Host": os.environ["GW_HOST"]} if os.environ.get("GW_HOST") else {}
c.request(method, path, body=b"x" if method == "POST" else None, headers=headers)
r = c.getresponse()
body = r.read()
open(out, "wb").write(body)
with open(out + ".head", "w") as f:
    f.write(f"{r.status}\n")
    for k, v in r.getheaders():
        f.write(f"{k.lower()}: {v}\n")
PY
}

# json FILE EXPR: python3 evaluates EXPR with j the JSON of FILE; true
# when EXPR is.
json() {
	python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

services_total() { # N
	get /api/services "$GW_TMP/svc.json" 2>/dev/null && json "$GW_TMP/svc.json" "j['total'] == $1"
}

# ---- the page in a browser -------------------------------------------
# chrome URL WHAT...: headless Chromium in the gateway's namespace, with a
# home and profile of its own under $GW_TMP; output in $GW_TMP/chrome.out.
chrome() {
	local url=$1
	shift
	mkdir -p "$GW_TMP/chrome-home"
	ip netns exec "$NS_GW" env HOME="$GW_TMP/chrome-home" timeout 60 chromium --headless \
		--no-sandbox --disable-gpu --no-first-run --user-data-dir="$GW_TMP/chrome-home/profile" \
		--virtual-time-budget=5000 "$@" "$url" >"$GW_TMP/chrome.out" 2>"$GW_TMP/chrome.err"
}

# dom FILE CHECK: parse the dumped DOM, then check (see the script).
dom() {
	python3 - "$1" "$2" "$EXPECTED" <<'PY'
import html.parser, json, sys
path, check, expected = sys.argv[1:4]

class Dom(html.parser.HTMLParser):
    """Cells by the id of their table body's table, hidden rows, tags."""
    def __init__(self):
        super().__init__()
        self.stack, self.cells, self.tags, self.ids = [], [], [], {}
        self.text = {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if "id" in a:
            self.ids[a["id"]] = tag
        self.stack.append((tag, a))
        if tag == "td":
            owner = next((x[1].get("id") for x in reversed(self.stack) if x[1].get("id")), None)
            row = next(x[1] for x in reversed(self.stack) if x[0] == "tr")
            self.cells.append({"table": owner, "label": a.get("data-label"),
                               "hidden": "hidden" in row or any("hidden" in x[1] for x in self.stack if x[0] == "tbody"),
                               "text": ""})
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "td" and self.cells:
            self.cells[-1]["text"] += data
        for t, a in self.stack:
            if "id" in a:
                self.text[a["id"]] = self.text.get(a["id"], "") + data

d = Dom()
d.feed(open(path, encoding="utf-8").read())
want = []
for line in open(expected, encoding="utf-8"):
    link, typ, inst = line.rstrip("\n").split("\t")
    want.append(json.loads('"%s"' % inst))
names = [c for c in d.cells if c["table"] == "services" and c["label"] == "Name"]
shown = sorted(c["text"] for c in names if not c["hidden"])
links = [c["text"] for c in d.cells if c["table"] == "links" and c["label"] == "Link"]
print("names shown:", shown)
print("links:", links, "state:", d.text.get("state"), "count:", d.text.get("services-count"))
if check == "all":
    ok = sorted(want) == shown
elif check == "links":
    ok = links == ["lan1", "lan2"] and "updated" in d.text.get("state", "")
elif check == "markup":
    # The HTML of the names is text in their cells, and no element of the
    # document came from it: the page itself has no img and no b.
    ok = "<b>bold</b> toaster" in shown and "<img src=x onerror=alert(1)>" in shown \
        and "img" not in d.tags and "b" not in d.tags
elif check == "laser":
    ok = shown == ["Office Laser", "Office Laser"] and \
        d.text.get("services-count", "").startswith("2 of %d shown" % len(want))
elif check == "dnssec":
    t = d.text.get("dnssec", "")
    ok = "ok" in t and "Earliest expiry" in t and "Next refresh" in t and \
        len([c for c in d.cells if c["table"] == "keys" and c["label"] == "Tag"]) >= 1 and \
        "IN\tDS\t" in d.text.get("ds", "")
else:
    ok = False
sys.exit(0 if ok else 1)
PY
}

# The home as it is, for the screenshots (docs/status-page.png).
topo_wait 40 services_total $((NSVC - 2)) || true
expect "the home's $((NSVC - 2)) services are mirrored" services_total $((NSVC - 2))
# Screenshots: the desktop and a phone's width.
png_ok() { # FILE WIDTH: a PNG of that width
	python3 - "$1" "$2" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(32)
w, h = struct.unpack(">II", b[16:24])
sys.exit(0 if b[:8] == b"\x89PNG\r\n\x1a\n" and w == int(sys.argv[2]) and h > 200 else 1)
PY
}
chrome "$BASE/" --hide-scrollbars --window-size=1280,1700 --screenshot="$GW_TMP/status-page.png"
expect "a desktop screenshot (1280 wide)" png_ok "$GW_TMP/status-page.png" 1280
chrome "$BASE/" --hide-scrollbars --window-size=390,2400 --screenshot="$GW_TMP/status-page-phone.png"
expect "a phone screenshot (390 wide)" png_ok "$GW_TMP/status-page-phone.png" 390
if [ -n "${GW_STATUS_SCREENSHOTS:-}" ]; then
	cp "$GW_TMP/status-page.png" "$GW_TMP/status-page-phone.png" "$GW_STATUS_SCREENSHOTS/"
fi

# Then the names with HTML in them.
topo_pub 1 service _http._tcp 8080 toaster "$HTML1"
topo_pub 2 service _http._tcp 80 evilbox "$HTML2"
topo_wait 40 services_total "$NSVC" || true
cp "$GW_TMP/svc.json" "$GW_TMP/last"

# ---- the JSON --------------------------------------------------------
expect "/api/services: 200" grep -qx 200 "$GW_TMP/svc.json.head"
expect "/api/services: all $NSVC services" json "$GW_TMP/svc.json" "j['total'] == $NSVC and j['listed'] == $NSVC and j['omitted'] == 0"
python3 - "$GW_TMP/svc.json" "$EXPECTED" >"$GW_TMP/last" 2>&1 <<'PY' && got=0 || got=$?
import json, sys
j = json.load(open(sys.argv[1]))
have = {(s["link"], s["type"], s["instance"]) for s in j["services"]}
want = set()
for line in open(sys.argv[2], encoding="utf-8"):
    link, typ, inst = line.rstrip("\n").split("\t")
    want.add((link, typ, json.loads('"%s"' % inst)))
print("missing:", sorted(want - have), "extra:", sorted(have - want))
sys.exit(0 if have == want else 1)
PY
expect "/api/services: exactly the published instances, each on its link" test "$got" -eq 0
expect "/api/services: the zone and the full names" json "$GW_TMP/svc.json" \
	"j['zone'] == 'home.arpa.' and any(s['name'] == 'Office Laser._ipp._tcp.lan1.home.arpa.' for s in j['services'])"
expect "/api/services: SRV port and addresses of the office printer" json "$GW_TMP/svc.json" \
	"any(s['instance'] == 'Office Laser' and s['type'] == '_ipp._tcp' and s['port'] == 631 and s['addresses'] >= 2 for s in j['services'])"
expect "/api/services: the JSON is application/json with a charset" \
	grep -qix 'content-type: application/json; charset=utf-8' "$GW_TMP/svc.json.head"

get "/api/services?link=lan2" "$GW_TMP/lan2.json"
cp "$GW_TMP/lan2.json" "$GW_TMP/last"
expect "?link=lan2: only lan2's 4 services" json "$GW_TMP/lan2.json" \
	"j['link'] == 'lan2' and j['total'] == 4 and {s['link'] for s in j['services']} == {'lan2'}"
get "/api/services?zone=HOME.ARPA&link=lan1&limit=2" "$GW_TMP/lim.json"
cp "$GW_TMP/lim.json" "$GW_TMP/last"
expect "?zone=HOME.ARPA&link=lan1&limit=2: 2 listed of 7" json "$GW_TMP/lim.json" \
	"j['total'] == 7 and j['listed'] == 2 and j['omitted'] == 5 and len(j['services']) == 2"
get "/api/services?link=nowhere" "$GW_TMP/nolink.json"
cp "$GW_TMP/nolink.json" "$GW_TMP/last"
# DNS rebinding: a page elsewhere that points its own name at us sends
# that name as Host; only addresses, localhost and metrics.hosts are
# answered, /metrics answers to any name.
GW_HOST=evil.example get / "$GW_TMP/rb.html"
expect "Host evil.example: / is refused (421)" grep -qx 421 "$GW_TMP/rb.html.head"
expect "Host evil.example: the page is not in the reply" \
	bash -c "! grep -q '<html' '$GW_TMP/rb.html'"
GW_HOST="evil.example:$MPORT" get /api/services "$GW_TMP/rb.json"
expect "Host evil.example: /api/services is refused (421)" grep -qx 421 "$GW_TMP/rb.json.head"
GW_HOST="router.lan:$MPORT" get /api/services "$GW_TMP/rl.json"
expect "Host router.lan (metrics.hosts): /api/services answers" grep -qx 200 "$GW_TMP/rl.json.head"
GW_HOST="localhost:$MPORT" get / "$GW_TMP/lh.html"
expect "Host localhost: / answers" grep -qx 200 "$GW_TMP/lh.html.head"
GW_HOST=evil.example get /metrics "$GW_TMP/rb.metrics"
expect "Host evil.example: /metrics answers (scrapers use any name)" grep -qx 200 "$GW_TMP/rb.metrics.head"
expect "the Host refusals are counted" grep -qx "dnssd_gateway_http_refused_host_total 2" "$GW_TMP/rb.metrics"

expect "?link=nowhere: 404 with the reason" \
	bash -c "grep -qx 404 '$GW_TMP/nolink.json.head' && grep -q 'no link nowhere' '$GW_TMP/nolink.json'"
get "/api/services?zone=example.net" "$GW_TMP/nozone.json"
expect "?zone=example.net: 404" grep -qx 404 "$GW_TMP/nozone.json.head"
get "/api/services?limit=x" "$GW_TMP/badlimit.json"
expect "?limit=x: 400" grep -qx 400 "$GW_TMP/badlimit.json.head"

get /api/links "$GW_TMP/links.json"
cp "$GW_TMP/links.json" "$GW_TMP/last"
expect "/api/links: lan1 (7 services) and lan2 (4), both up" json "$GW_TMP/links.json" \
	"{(l['label'], l['state'], l['services']) for l in j['links']} == {('lan1', 'up', 7), ('lan2', 'up', 4)}"
get /api/status "$GW_TMP/status.json"
cp "$GW_TMP/status.json" "$GW_TMP/last"
expect "/api/status: the zone, signed, with its earliest expiry" json "$GW_TMP/status.json" \
	"j['zones'][0]['name'] == 'home.arpa.' and j['zones'][0]['dnssec']['enabled'] and j['zones'][0]['dnssec']['earliest_expiry']"
get /api/ds "$GW_TMP/ds.json"
cp "$GW_TMP/ds.json" "$GW_TMP/last"
# The digest as the anchor file writes it, whitespace and case aside.
anchor=$(tr -d ' \t\n' <"$GW_TMP/state/trust-anchor.ds" | tr 'A-F' 'a-f')
expect "/api/ds: the DS of the trust anchor file" json "$GW_TMP/ds.json" \
	"len(j['ds']) >= 1 and all(d['digest'].lower() in '$anchor' for d in j['ds'])"
for t in keys refused secondaries stats; do
	get "/api/$t" "$GW_TMP/$t.json"
	expect "/api/$t: 200 and JSON" bash -c "grep -qx 200 '$GW_TMP/$t.json.head' && python3 -m json.tool '$GW_TMP/$t.json' >/dev/null"
done
expect "/api/keys: a key with its tag" json "$GW_TMP/keys.json" "len(j['keys']) >= 1 and j['keys'][0]['tag'] > 0"

# ---- paths, methods, headers -----------------------------------------
get /api/nothing "$GW_TMP/x"
expect "unknown topic: 404" grep -qx 404 "$GW_TMP/x.head"
get /index.php "$GW_TMP/x"
expect "unknown path: 404" grep -qx 404 "$GW_TMP/x.head"
get / "$GW_TMP/x" POST
cp "$GW_TMP/x.head" "$GW_TMP/last"
expect "POST /: 405 with Allow: GET, HEAD" \
	bash -c "grep -qx 405 '$GW_TMP/x.head' && grep -qix 'allow: GET, HEAD' '$GW_TMP/x.head'"
get /api/services "$GW_TMP/x" DELETE
expect "DELETE /api/services: 405" grep -qx 405 "$GW_TMP/x.head"
get / "$GW_TMP/head" HEAD
expect "HEAD /: 200, no body" bash -c "grep -qx 200 '$GW_TMP/head.head' && test ! -s '$GW_TMP/head'"

get / "$GW_TMP/page.html"
cp "$GW_TMP/page.html.head" "$GW_TMP/last"
expect "GET /: 200 text/html with a charset" \
	bash -c "grep -qx 200 '$GW_TMP/page.html.head' && grep -qix 'content-type: text/html; charset=utf-8' '$GW_TMP/page.html.head'"
for f in page.html svc.json x; do
	expect "$f: Cache-Control: no-store" grep -qix 'cache-control: no-store' "$GW_TMP/$f.head"
	expect "$f: X-Content-Type-Options: nosniff" grep -qix 'x-content-type-options: nosniff' "$GW_TMP/$f.head"
	expect "$f: a Content-Security-Policy with default-src 'none'" \
		grep -qi "^content-security-policy: default-src 'none'" "$GW_TMP/$f.head"
done
python3 - "$GW_TMP/page.html" >"$GW_TMP/last" 2>&1 <<'PY' && got=0 || got=$?
import base64, hashlib, re, sys
page = open(sys.argv[1], "rb").read()
head = open(sys.argv[1] + ".head").read()
csp = re.search(r"^content-security-policy: (.*)$", head, re.M).group(1)
rules = {p.split()[0]: p.split()[1:] for p in csp.split(";") if p.strip()}
print(rules)
ok = True
for tag in ("style", "script"):
    bodies = re.findall(rb"<%s>(.*?)</%s>" % (tag.encode(), tag.encode()), page, re.S)
    want = ["'sha256-%s'" % base64.b64encode(hashlib.sha256(b).digest()).decode() for b in bodies]
    print(tag, want)
    ok &= len(bodies) == 1 and rules.get(tag + "-src") == want
ok &= not any("unsafe" in v or v == "*" for vals in rules.values() for v in vals)
ok &= rules.get("connect-src") == ["'self'"] and rules.get("frame-ancestors") == ["'none'"]
ok &= b"<script src" not in page and b"http://" not in page and b"https://" not in page
sys.exit(0 if ok else 1)
PY
expect "the page's policy: its one style and one script by SHA-256, nothing unsafe, nothing fetched elsewhere" \
	test "$got" -eq 0
expect "the page is made for phones (viewport meta)" grep -q '<meta name="viewport" content="width=device-width' "$GW_TMP/page.html"

# The page with every service, the HTML names too.
chrome "$BASE/" --dump-dom
cp "$GW_TMP/chrome.out" "$GW_TMP/dom.html"
expect "Chromium rendered the page" grep -q 'id="services"' "$GW_TMP/dom.html"
dom "$GW_TMP/dom.html" links >"$GW_TMP/last" 2>&1 && got=0 || got=$?
expect "the page lists both links and says when it was updated" test "$got" -eq 0
dom "$GW_TMP/dom.html" all >"$GW_TMP/last" 2>&1 && got=0 || got=$?
expect "the page lists every mirrored instance by name" test "$got" -eq 0
dom "$GW_TMP/dom.html" markup >"$GW_TMP/last" 2>&1 && got=0 || got=$?
expect "names with HTML in them are shown as text, no element is made of them" test "$got" -eq 0
dom "$GW_TMP/dom.html" dnssec >"$GW_TMP/last" 2>&1 && got=0 || got=$?
expect "DNSSEC: health ok, expiry and refresh, the key, the DS" test "$got" -eq 0
chrome "$BASE/#q=laser" --dump-dom
cp "$GW_TMP/chrome.out" "$GW_TMP/dom-laser.html"
dom "$GW_TMP/dom-laser.html" laser >"$GW_TMP/last" 2>&1 && got=0 || got=$?
expect "the search (#q=laser) shows the two Office Laser services only" test "$got" -eq 0

# ---- who may connect ---------------------------------------------------
# The listener on the WAN address, allow left at its default (loopback):
# a host on the WAN side gets no page, and the refusal is counted.
ip netns exec "$NS_REMOTE" python3 - "$TOPO_GW_WAN_4" "$WPORT" >"$GW_TMP/last" 2>&1 <<'PY' && got=0 || got=$?
import http.client, sys
c = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=5)
try:
    c.request("GET", "/api/services")
    r = c.getresponse()
    print("answered", r.status, r.read()[:200])
    sys.exit(0)
except (OSError, http.client.HTTPException) as e:
    print("no answer:", repr(e))
    sys.exit(3)
PY
expect "a client on the WAN ($TOPO_REMOTE_4) is refused" test "$got" -eq 3
expect "... and the refusal is logged" \
	grep -q "metrics: connection from $TOPO_REMOTE_4 refused" "$GW_TMP/gateway.log"
get /metrics "$GW_TMP/metrics.txt"
cp "$GW_TMP/metrics.txt" "$GW_TMP/last"
expect "... and counted" grep -qx 'dnssd_gateway_http_refused_total 1' "$GW_TMP/metrics.txt"

gw_finish
