/* What the control socket and dnssd-gatewayctl agree on, and nothing
 * else: no code, no includes, so that the client (gateway/ctl) uses it
 * without linking the daemon. docs/control.md describes the protocol. */
#pragma once

/* The socket when neither control.socket nor $RUNTIME_DIRECTORY says
 * otherwise (systemd's RuntimeDirectory=dnssd-gateway is this directory). */
#define GW_CONTROL_SOCKET_DEFAULT "/run/dnssd-gateway/control.sock"
#define GW_CONTROL_SOCKET_NAME    "control.sock" /* under $RUNTIME_DIRECTORY */

/* Octets in one request line, newline included. */
#define GW_CONTROL_REQUEST_MAX 4096
