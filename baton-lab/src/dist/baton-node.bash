#!/usr/bin/env bash
# The launcher of `baton agent -c FILE` (docs/guardian.md, "The process tree"), as a shell instead of
# a JVM of its own: a launcher JVM stayed resident for the node's whole life (about 88 MB) only to
# wait (docs/performance.md, "Footprint"). bin/baton execs this script for `baton agent`, with
# BATON_NODE_JAVA, BATON_NODE_CP and BATON_NODE_OPTS set, and the command line's arguments.
#
# 1. Runs `java ... dev.baton.cli.Main agent ARGS` with BATON_LAUNCHER_PLAN naming a file. That JVM
#    checks the config (a bad one exits 2 here, as before) and, with the guardian on, writes the
#    state-dir and the guardian's command into the file and exits 0 (GuardedNode). With
#    `guardian: false` it is the agent itself, and this shell waits for it, passing signals on.
# 2. Starts the guardian (`setpriv --pdeathsig KILL -- setsid -- java ... GuardianMain`) as its
#    child: the guardian, and through it the services, die with this shell. SIGTERM and SIGINT are
#    passed on to the guardian as SIGTERM (a graceful stop), SIGHUP to the agent (a reload); the
#    exit code is the guardian's.
# 3. If the guardian dies while the agent lives (the agent starts a new one), follows the agent by
#    its mirrored pid until it stops: 0 after a graceful stop.
set -uo pipefail
java="$BATON_NODE_JAVA"
classpath="$BATON_NODE_CP"
opts="$BATON_NODE_OPTS"
unset BATON_NODE_JAVA BATON_NODE_CP BATON_NODE_OPTS

child=0       # the process signals go to: the checking JVM, then the guardian
stopping=0
state_dir=""

mirrored() { # the agent's pid from its mirror, or nothing when it stopped or none is known
  local f="$state_dir/agent-state.properties" pid state
  [ -n "$state_dir" ] && [ -r "$f" ] || return 0
  pid=$(sed -n 's/^agent\.pid=//p' "$f" 2>/dev/null)
  state=$(sed -n 's/^state=//p' "$f" 2>/dev/null)
  [ "$state" != stopped ] && [ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null && echo "$pid"
  return 0
}
terminate() {
  stopping=1
  if [ "$child" -gt 0 ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
  else
    local a; a=$(mirrored)
    [ -n "$a" ] && kill -TERM "$a" 2>/dev/null
  fi
}
reload() {
  local a=""
  [ -n "$state_dir" ] && a=$(mirrored)
  if [ -n "$a" ] && kill -0 "$a" 2>/dev/null; then
    kill -HUP "$a"
  elif [ -z "$state_dir" ] && [ "$child" -gt 0 ]; then
    kill -HUP "$child" 2>/dev/null # guardian: false, the agent is this shell's child
  else
    echo "baton: SIGHUP: no agent of this node runs to reload its config" >&2
  fi
}
trap terminate TERM INT
trap reload HUP

# Waits for $1 to end, through the signals this shell takes meanwhile; returns its exit code.
wait_for() {
  while kill -0 "$1" 2>/dev/null; do
    wait "$1" # returns early when a trapped signal comes in
  done
  wait "$1" # its exit code, which bash keeps
}

plan=$(mktemp "${TMPDIR:-/tmp}/baton-node.XXXXXX") || exit 1
# A background job of a non-interactive shell starts with SIGINT ignored; the JVM must see it.
( trap - INT; BATON_LAUNCHER_PLAN="$plan" exec "$java" $opts -cp "$classpath" dev.baton.cli.Main "$@" ) &
child=$!
wait_for "$child"
code=$?
if [ "$code" -ne 0 ] || [ ! -s "$plan" ]; then
  rm -f "$plan"
  exit "$code"
fi
mapfile -d '' command < "$plan"
rm -f "$plan"
state_dir="${command[0]}"
command=("${command[@]:1}")
child=0
if [ "$stopping" = 1 ]; then
  exit 0
fi
( trap - INT; exec "${command[@]}" ) &
child=$!
wait_for "$child"
code=$?
if [ "$code" -lt 128 ]; then
  exit "$code"
fi
echo "baton: the guardian of the node in $state_dir (pid $child) died with code $code; the agent starts a new one." \
  "Following the node until its agent stops." >&2
child=0
signalled=0
no_agent_since=0
while :; do
  agent=$(mirrored)
  if [ -z "$agent" ]; then
    exit 0
  fi
  if kill -0 "$agent" 2>/dev/null; then
    no_agent_since=0
    if [ "$stopping" = 1 ] && [ "$signalled" = 0 ]; then
      kill -TERM "$agent" 2>/dev/null
      signalled=1
    fi
  else
    now=$(date +%s)
    [ "$no_agent_since" -gt 0 ] || no_agent_since=$now
    if [ $((now - no_agent_since)) -gt 15 ]; then
      echo "baton: no agent of the node in $state_dir has run for 15s and the last one did not stop gracefully" >&2
      exit 1
    fi
  fi
  sleep 0.2 & wait $!
done
