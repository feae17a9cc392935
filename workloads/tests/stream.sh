#!/bin/sh
# stream.sh: stream sink and source over loopback with stream_client checking
# exact bytes and the server's own reported counts.
. "$(dirname "$0")/lib.sh"
plan 9
C=$T/stream_client

if start_server stream --mode sink --verify; then
	check "sink: client sends 64 MiB" timeout 30 "$C" --port "$PORT" --mode send --bytes 64m
	check "sink: 3 more connections of 1 MiB" sh -c "for i in 1 2 3; do timeout 10 '$C' --port $PORT --mode send --bytes 1m || exit 1; done"
	stop_server; st=$?
	check "sink: clean SIGTERM exit" [ $st -eq 0 ]
	check "sink: reports 67108864 bytes, 0 pattern errors, a gbit_per_s figure" sh -c \
		"grep -qx 'ukbench: result stream_sink bytes 67108864.000' '$SOUT' && grep -qx 'ukbench: result stream_sink errors 0.000' '$SOUT' && ! grep -q 'errors [1-9]' '$SOUT' && grep -q 'stream_sink gbit_per_s' '$SOUT'"
else
	report 1 "sink starts"; report 1 "sink 1m"; report 1 "sink exit"; report 1 "sink counts"
fi

if start_server stream --mode source --bytes 32m; then
	check "source: client receives exactly 32 MiB of pattern" timeout 30 "$C" --port "$PORT" --mode recv --bytes 32m
	check "source: again, with another connection" timeout 30 "$C" --port "$PORT" --mode recv --bytes 32m
	stop_server
	check "source: clean exit and reported bytes" sh -c "[ $? -eq 0 ] && grep -q 'ukbench: result stream_source bytes 33554432.000' '$SOUT'"
else
	report 1 "source starts"; report 1 "source 2"; report 1 "source exit"
fi
if start_server stream --mode source; then
	check "unlimited source: client reads 10 MB of pattern and closes" timeout 30 "$C" --port "$PORT" --mode recv --bytes 10m --partial
	sleep 0.3
	stop_server; st=$?
	check "unlimited source: the peer's close ends the connection with a result line" sh -c \
		"[ $st -eq 0 ] && grep -q 'ukbench: result stream_source bytes' '$SOUT'"
else
	report 1 "unlimited source starts"; report 1 "unlimited source result"
fi
finish
