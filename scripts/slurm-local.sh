#!/bin/sh
# slurm-local.sh up|down [DIR]: a one-node Slurm cluster on this machine, for
# trying `ukbench bench --slurm` and for the tests (issue 19). `up` starts
# munged, slurmctld and slurmd as root with everything (munge key and socket,
# slurm.conf, state, spool, logs) in a new temporary directory and prints
#   SLURM_CONF=/tmp/ukb-slurm.XXXXXX/slurm.conf
# on stdout (eval "$(scripts/slurm-local.sh up)"; export SLURM_CONF) once the
# node is idle. `down` cancels its jobs, stops every process started with that
# SLURM_CONF in its environment (the daemons and any slurmstepd) and removes
# the directory: DIR, else the one of $SLURM_CONF, else every /tmp/ukb-slurm.*.
# Debian packages: slurm-wlm, munge (scripts/deps.txt). Ports: 6817/6818 or
# the next free pair (UKB_SLURM_PORT sets the first).
set -u
# down finds our processes by SLURM_CONF in their environment: its own
# subshells must not carry it (a fork shows the environment of its exec)
if [ "${1:-}" = down ] && [ -n "${SLURM_CONF:-}" ]; then
	exec env -u SLURM_CONF UKB_SLURM_CONF="$SLURM_CONF" "$0" "$@"
fi
die() { echo "slurm-local.sh: $*" >&2; exit 1; }

# processes whose environment carries SLURM_CONF=$1 (ours, and only ours)
ours() {
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/}; p=${p%/environ}
		[ "$p" = $$ ] && continue
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qx "SLURM_CONF=$1" && echo "$p"
	done
}

up() {
	[ "$(id -u)" = 0 ] || die "needs root (slurmd runs jobs as their user)"
	for t in munged mungekey slurmctld slurmd sinfo scontrol; do
		command -v $t >/dev/null 2>&1 || die "$t not found: install slurm-wlm and munge (make deps)"
	done
	d=$(mktemp -d /tmp/ukb-slurm.XXXXXX) || die "mktemp failed"
	chmod 755 "$d"
	mkdir -p "$d/munge" "$d/state" "$d/spool" && chmod 755 "$d/munge"
	mungekey -c -k "$d/munge/munge.key" >/dev/null 2>&1 ||
		dd if=/dev/urandom of="$d/munge/munge.key" bs=1024 count=1 2>/dev/null
	chmod 400 "$d/munge/munge.key"
	port=${UKB_SLURM_PORT:-6817}
	while ss -ltn 2>/dev/null | grep -Eq ":($port|$((port + 1)))\b"; do port=$((port + 2)); done
	node=$(hostname -s)
	# the node as slurmd sees it (CPUs, sockets, memory), under our name
	hw=$(slurmd -C 2>/dev/null | head -1 | sed 's/^NodeName=[^ ]* //')
	[ -n "$hw" ] || hw="CPUs=$(nproc)"
	cat >"$d/slurm.conf" <<EOF
# written by scripts/slurm-local.sh: a one-node cluster in $d
ClusterName=ukblocal
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/munge.socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
KillWait=5
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
	SLURM_CONF=$d/slurm.conf; export SLURM_CONF
	munged --socket="$d/munge/munge.socket" --key-file="$d/munge/munge.key" \
		--pid-file="$d/munge/munged.pid" --log-file="$d/munge/munged.log" \
		--seed-file="$d/munge/munged.seed" ||
		{ cat "$d/munge/munged.log" >&2 2>/dev/null; env -u SLURM_CONF "$0" down "$d"; die "munged did not start"; }
	slurmctld -f "$SLURM_CONF" || { tail -5 "$d/slurmctld.log" >&2; env -u SLURM_CONF "$0" down "$d"; die "slurmctld did not start"; }
	slurmd -f "$SLURM_CONF" -N "$node" || { tail -5 "$d/slurmd.log" >&2; env -u SLURM_CONF "$0" down "$d"; die "slurmd did not start"; }
	i=0
	while [ $i -lt 60 ]; do
		st=$(timeout 10 sinfo -h -n "$node" -o %T 2>/dev/null | head -1)
		[ "$st" = idle ] && break
		sleep 0.5; i=$((i + 1))
	done
	if [ "$st" != idle ]; then
		tail -5 "$d/slurmctld.log" "$d/slurmd.log" >&2
		env -u SLURM_CONF "$0" down "$d"
		die "node $node not idle after 30 s (state '${st:-none}')"
	fi
	echo "slurm-local.sh: one-node cluster up in $d (node $node, ports $port/$((port + 1)))" >&2
	echo "SLURM_CONF=$d/slurm.conf"
}

down() {
	dirs=${1:-}
	c=${UKB_SLURM_CONF:-}
	[ -z "$dirs" ] && case $c in /tmp/ukb-slurm.*/slurm.conf) dirs=${c%/slurm.conf};; esac
	[ -z "$dirs" ] && dirs=$(ls -d /tmp/ukb-slurm.* 2>/dev/null)
	for d in $dirs; do
		case $d in /tmp/ukb-slurm.*) ;; *) die "not a slurm-local.sh directory: $d";; esac
		[ -d "$d" ] || continue
		conf=$d/slurm.conf
		if [ -f "$conf" ] && [ -n "$(ours "$conf")" ]; then
			SLURM_CONF=$conf timeout 10 scancel --full --quiet --user=root >/dev/null 2>&1
			i=0
			while [ $i -lt 20 ] && [ -n "$(SLURM_CONF=$conf timeout 5 squeue -h 2>/dev/null)" ]; do
				sleep 0.5; i=$((i + 1))
			done
		fi
		for sig in TERM TERM TERM TERM KILL KILL; do
			pids=$(ours "$conf")
			for f in "$d/slurmd.pid" "$d/slurmctld.pid" "$d/munge/munged.pid"; do
				[ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && pids="$pids $(cat "$f")"
			done
			[ -z "$(echo $pids)" ] && break
			kill -$sig $pids 2>/dev/null
			sleep 1
		done
		[ -n "$(ours "$conf")" ] && echo "slurm-local.sh: processes of $d still running: $(ours "$conf")" >&2
		rm -rf "$d"
		echo "slurm-local.sh: $d stopped and removed" >&2
	done
}

case ${1:-} in
up) up ;;
down) down "${2:-}" ;;
*) echo "usage: scripts/slurm-local.sh up|down [DIR]" >&2; exit 2 ;;
esac
