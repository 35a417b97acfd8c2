#!/bin/sh
# Starts one Redis Cluster node: the command of each node container (redis-cluster.ts) and of
# the heal test's nodes. Environment: REDIS_CONFIG (redis.conf), REDIS_SELF (this node's
# address, host:port), REDIS_NODES (every node, host or host:port), REDIS_PORT (the port of
# entries without one; default 6379), REDISCLI_AUTH (password, read by redis-cli itself).
#
# A new node (no nodes.conf in the working directory) that takes the address of a lost master
# waits, up to GATE_TIMEOUT_S (default 30), until that master's slots have moved to its promoted
# replica in the other nodes' views. Started earlier, it would be fatal twice over: the replica,
# still following the address, would sync the new node's empty data set and drop its own; and the
# other nodes, meeting a new id on that address, would mark the master noaddr instead of failed,
# so no election would start.
set -eu
: "${REDIS_CONFIG:?}" "${REDIS_SELF:?}" "${REDIS_NODES:?}"
REDIS_PORT=${REDIS_PORT:-6379}
GATE_TIMEOUT_S=${GATE_TIMEOUT_S:-30}

with_port() { case $1 in *:*) echo "$1" ;; *) echo "$1:$REDIS_PORT" ;; esac; }
self=$(with_port "$REDIS_SELF")
# Peers that still see a master serving slots at this address (failed or not: until its replica
# is promoted, the slots stay with it).
holders() {
  for a in $REDIS_NODES; do
    a=$(with_port "$a")
    [ "$a" = "$self" ] && continue
    redis-cli -h "${a%:*}" -p "${a##*:}" cluster nodes 2>/dev/null | tr -d '\r' |
      awk -v me="$self" '{split($2, address, "@")}
        address[1] == me && $3 ~ /master/ && NF > 8 {found = 1} END {exit !found}' &&
      echo "$a"
  done
}

if [ ! -s nodes.conf ]; then
  n=0
  while [ -n "$(holders)" ] && [ "$n" -lt "$GATE_TIMEOUT_S" ]; do
    [ "$n" -eq 0 ] && echo "new node on $self: waiting until the cluster fails over the master lost here"
    n=$((n + 1))
    sleep 1
  done
  [ "$n" -eq 0 ] || echo "new node on $self: starting after ${n} s"
fi
exec redis-server "$REDIS_CONFIG"
