# Turn a file into a C array, at build time:
#   cmake -DIN=status.html -DOUT=status_html.c -DNAME=gw_http_status_html -P embed.cmake
# NAME[] holds the file's octets and a NUL after them (so it is a string
# too); NAME_len their count, the NUL excluded. The file stays the source
# to edit; the generated C is never checked in.
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR octets "${digits} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
	"/* Generated from ${IN} by embed.cmake: edit that file, not this one. */\n"
	"#include \"gateway/http/internal.h\"\n\n"
	"const unsigned char ${NAME}[] = {\n${bytes}0x00};\n"
	"const size_t ${NAME}_len = ${octets};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
