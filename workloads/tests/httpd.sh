#!/bin/sh
# httpd.sh: the httpd workload over loopback: status codes and headers with
# raw requests (rawtcp), pipelining, bad input (malformed, oversize, slow,
# abrupt), the connection limit, and bounded wrk runs (no socket errors, no
# non-2xx). Prints wrk's requests/s as "# ukbench: result ..." comments.
. "$(dirname "$0")/lib.sh"
plan 25
R=$T/rawtcp
H='Host: t\r\n'

# raw REQ [rawtcp options]: one connection, output in $TMP/raw, status in $rst
raw() { d=$1; shift; timeout 20 "$R" --port "$PORT" --data "$d" "$@" > "$TMP/raw"; rst=$?; }
body_len() { tr -d '\r' < "$TMP/raw" | sed '1,/^$/d' | wc -c; }
has() { grep -q "$1" "$TMP/raw"; }
nstatus() { grep -c "^HTTP/1.1 $1 " "$TMP/raw"; }

# wrk_run DESC ARGS: bounded wrk; passes if no socket errors, no non-2xx
wrk_run() {
	d=$1; shift
	if ! command -v wrk >/dev/null; then skip "$d" "wrk not installed"; return; fi
	timeout 30 wrk "$@" > "$TMP/wrk" 2>&1
	st=$?
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/wrk")
	[ -n "$rps" ] && echo "# ukbench: result httpd_wrk req_per_s $rps ($*)"
	check "$d" eval '[ $st -eq 0 ] && [ -n "$rps" ] && ! grep -q "Socket errors\|Non-2xx" "$TMP/wrk"' || sed 's/^/#   /' "$TMP/wrk"
}

if ! start_server httpd --header-timeout 1 --keepalive-timeout 3; then
	report 1 "httpd starts"; finish
fi
report 0 "httpd starts and prints its ready line"

raw "GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
check "GET / gives 200 with a 612-byte body, Content-Length and Date" eval \
	'[ $rst -eq 0 ] && [ $(nstatus 200) -eq 1 ] && [ $(body_len) -eq 612 ] && grep -q "^Content-Length: 612" "$TMP/raw" && grep -q "^Date: ..., [0-9][0-9] ... 20[0-9][0-9] [0-9:]* GMT" "$TMP/raw"'
raw "HEAD /index.html HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
check "HEAD gives 200, Content-Length 612 and no body" eval \
	'[ $rst -eq 0 ] && [ $(nstatus 200) -eq 1 ] && has "Content-Length: 612" && [ $(body_len) -eq 0 ]'
raw "GET /nope HTTP/1.1\r\n${H}\r\nGET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
check "404 for another path, and the connection stays usable" eval \
	'[ $rst -eq 0 ] && [ $(nstatus 404) -eq 1 ] && [ $(nstatus 200) -eq 1 ]'
raw "POST / HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
check "405 with Allow for POST; its body is skipped, next request served" eval \
	'[ $rst -eq 0 ] && [ $(nstatus 405) -eq 1 ] && has "^Allow: GET, HEAD" && [ $(nstatus 200) -eq 1 ]'
raw "GET / HTTP/1.1\r\n${H}\r\n" --repeat 50 --idle-ms 500
check "50 pipelined requests in one write give 50 responses in order" eval \
	'[ $(nstatus 200) -eq 50 ] && [ $(grep -c "^<!DOCTYPE html>" "$TMP/raw") -eq 50 ]'
raw "GET / HTTP/1.1\r\n${H}\r\n" --repeat 20 --chunk 1 --idle-ms 500
check "20 pipelined requests fed one byte at a time give 20 responses" [ "$(nstatus 200)" -eq 20 ]
raw "GET / HTTP/1.0\r\n\r\n"
check "HTTP/1.0 without keep-alive: 200, Connection: close, closed" eval \
	'[ $rst -eq 0 ] && [ $(nstatus 200) -eq 1 ] && has "^Connection: close"'
raw "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" --idle-ms 500
check "HTTP/1.0 with keep-alive stays open" eval '[ $rst -eq 3 ] && [ $(nstatus 200) -eq 1 ] && has "^Connection: keep-alive"'
raw "GARBAGE\r\n\r\n"
check "malformed request line: 400 and close" eval '[ $rst -eq 0 ] && [ $(nstatus 400) -eq 1 ]'
raw "BAD\r\n\r\n" --pad 300000
check "400 then 300 KB more input: the 400 still arrives (lingering close)" eval '[ $rst -eq 0 ] && [ $(nstatus 400) -eq 1 ]'
raw "GET / HTTP/1.1\r\nHost : t\r\n\r\n"
check "malformed field: 400 and close" eval '[ $rst -eq 0 ] && [ $(nstatus 400) -eq 1 ]'
raw "GET / HTTP/1.1\r\n${H}X-Big: $(head -c 10000 /dev/zero | tr '\0' a)\r\n\r\n"
check "10 KB header: 431 and close" eval '[ $rst -eq 0 ] && [ $(nstatus 431) -eq 1 ]'
raw "GET / HTTP/1.1\r\n${H}X: y\r\n" --repeat 1 --idle-ms 5000 --max-ms 6000
check "incomplete head: closed (408) after the 1 s header timeout" eval '[ $rst -eq 0 ] && [ $(nstatus 408) -eq 1 ]'
t0=$(date +%s)
raw "GET / HTTP/1.1\r\n${H}X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n" --chunk 1 --delay-ms 200 --max-ms 8000
t1=$(date +%s)
check "slowloris (1 byte / 200 ms): closed within 5 s, not served" eval '[ $rst -eq 0 ] && [ $((t1 - t0)) -le 5 ] && [ $(nstatus 200) -eq 0 ]'
raw "GET / HTTP/1.1\r\n${H}\r\n" --idle-ms 6000 --max-ms 8000
check "idle keep-alive connection closed after the 3 s keep-alive timeout" eval '[ $rst -eq 0 ] && [ $(nstatus 200) -eq 1 ]'
raw "GET / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
check "Transfer-Encoding: 501 and close" eval '[ $rst -eq 0 ] && [ $(nstatus 501) -eq 1 ]'
# abrupt disconnects mid-head and mid-response
for i in 1 2 3; do
	timeout 5 "$R" --port "$PORT" --data "GET / HTTP/1.1\r\nHo" --idle-ms 10 >/dev/null
	timeout 5 "$R" --port "$PORT" --data "GET / HTTP/1.1\r\n${H}\r\n" --repeat 2000 --idle-ms 1 >/dev/null
done
raw "GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
check "still serving after abrupt disconnects" eval '[ $rst -eq 0 ] && [ $(nstatus 200) -eq 1 ]'

wrk_run "wrk -t1 -c10 -d2s: no socket errors, no non-2xx" -t1 -c10 -d2s "http://127.0.0.1:$PORT/"
stop_server
check "SIGTERM: clean exit 0" [ $? -eq 0 ]

# wrk opens one probe connection before its 3: allow 4
if start_server httpd --poll --max-conns 4; then
	wrk_run "poll backend: wrk -t1 -c3 -d1s clean" -t1 -c3 -d1s "http://127.0.0.1:$PORT/"
	sleep 0.2
	timeout 10 "$R" --port "$PORT" --data "" --idle-ms 3000 >/dev/null &
	timeout 10 "$R" --port "$PORT" --data "" --idle-ms 3000 >/dev/null &
	timeout 10 "$R" --port "$PORT" --data "" --idle-ms 3000 >/dev/null &
	timeout 10 "$R" --port "$PORT" --data "" --idle-ms 3000 >/dev/null &
	sleep 0.5
	raw "GET / HTTP/1.1\r\n${H}\r\n" --idle-ms 1000
	check "connection limit: the 5th connection gets 503 and is closed" eval '[ $rst -eq 0 ] && [ $(nstatus 503) -eq 1 ]'
	stop_server; st=$?
	check "poll backend: clean exit" [ $st -eq 0 ]
else
	report 1 "poll server starts"; report 1 "limit"; report 1 "exit"
fi

if start_server httpd --size 100000; then
	raw "GET / HTTP/1.1\r\n${H}\r\nGET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n"
	check "--size 100000: two pipelined 100000-byte bodies" eval \
		'[ $rst -eq 0 ] && [ $(nstatus 200) -eq 2 ] && [ $(body_len) -gt 100000 ]'
	wrk_run "--size 100000: wrk -t1 -c4 -d1s clean" -t1 -c4 -d1s "http://127.0.0.1:$PORT/"
	stop_server
else
	report 1 "big server starts"; report 1 "big wrk"
fi
finish
