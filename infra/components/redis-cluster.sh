#!/bin/sh
# Creates or heals the wslab Redis Cluster; uploaded into and run by the one-shot container of
# infra/components/redis-cluster.ts, which is replaced (so this runs again) whenever a node
# container is replaced. Environment: REDIS_NODES (node addresses, space-separated, node order),
# REDIS_PORT, CLUSTER_REPLICAS (per master), CLUSTER_MASTERS, REDISCLI_AUTH (password).
#
# - no node belongs to a cluster: redis-cli --cluster create;
# - some nodes are empty (a replaced node): forget the node ids marked failed (the old
#   identities), meet each empty node and make it the replica of the master with the fewest;
# - then every node must report cluster_state:ok, know every node and serve every slot, and
#   every master must have its replicas; anything else within 60 s exits non-zero.
set -eu
: "${REDIS_NODES:?}" "${REDIS_PORT:?}" "${CLUSTER_REPLICAS:?}" "${CLUSTER_MASTERS:?}"
SLOTS=16384
node_count=$(echo $REDIS_NODES | wc -w)

rc() { h=$1; shift; redis-cli -h "$h" -p "$REDIS_PORT" "$@"; }
# One numeric field of CLUSTER INFO (0 when missing or unreachable).
info() { rc "$1" cluster info 2>/dev/null | tr -d '\r' | awk -F: -v k="$2" '$1==k{v=$2} END{print v+0}'; }
# "id flags master-id slots|noslots" of every node the given node does not consider failed.
live() {
  rc "$1" cluster nodes |
    awk '$3 !~ /(^|,)(fail|noaddr)(,|$)/ {print $1, $3, $4, (NF >= 9 ? "slots" : "noslots")}'
}
# Replicas per master that serves slots (a node without slots is not a master of the layout).
replicas_per_master() {
  live "$1" | awk '$2 ~ /master/ && $4 == "slots" {m[$1]+=0} $2 ~ /slave/ {m[$3]++}
    END {for (id in m) print id, m[id]}'
}
wait_for() {
  what=$1; shift; n=0
  until "$@"; do
    n=$((n + 1)); [ "$n" -lt 60 ] || { echo "timed out: $what" >&2; exit 1; }; sleep 1
  done
}
pong() { rc "$1" ping 2>/dev/null | grep -q PONG; }

for a in $REDIS_NODES; do wait_for "redis node $a answering" pong "$a"; done

members=""; fresh=""
for a in $REDIS_NODES; do
  if [ "$(info "$a" cluster_known_nodes)" -gt 1 ] || [ "$(info "$a" cluster_slots_assigned)" -gt 0 ]; then
    members="$members $a"
  else
    fresh="$fresh $a"
  fi
done

if [ -z "$members" ]; then
  # shellcheck disable=SC2046 # one argument per node
  redis-cli --cluster create $(for a in $REDIS_NODES; do printf '%s:%s ' "$a" "$REDIS_PORT"; done) \
    --cluster-replicas "$CLUSTER_REPLICAS" --cluster-yes
elif [ -n "$fresh" ]; then
  seed=${members# }; seed=${seed%% *}
  echo "cluster exists (members:$members); adding back:$fresh"
  # A lost master's replica is promoted first (cluster-node-timeout); then every slot is served.
  state_ok() { rc "$seed" cluster info | grep -q cluster_state:ok; }
  wait_for "cluster_state:ok on $seed before healing" state_ok
  for id in $(rc "$seed" cluster nodes | awk '$3 ~ /(^|,)(fail|noaddr)(,|$)/ {print $1}'); do
    for m in $members; do rc "$m" cluster forget "$id" >/dev/null || true; done
    echo "forgot failed node $id"
  done
  for a in $fresh; do
    rc "$seed" cluster meet "$a" "$REDIS_PORT" >/dev/null
    knows_all() { [ "$(info "$a" cluster_known_nodes)" -ge "$node_count" ]; }
    wait_for "$a to learn every node" knows_all
    # The master with the fewest replicas (a promoted replica has none).
    master=$(replicas_per_master "$seed" | sort -k2,2n | awk 'NR==1 {print $1}')
    knows_master() { rc "$a" cluster nodes | grep -q "^$master "; }
    wait_for "$a to learn master $master" knows_master
    answer=$(rc "$a" cluster replicate "$master")
    [ "$answer" = OK ] || { echo "CLUSTER REPLICATE $master on $a: $answer" >&2; exit 1; }
    echo "added $a as replica of $master"
  done
else
  echo "cluster exists; every node is a member"
fi

healthy() {
  for a in $REDIS_NODES; do
    rc "$a" cluster info | grep -q cluster_state:ok || return 1
    [ "$(info "$a" cluster_known_nodes)" -eq "$node_count" ] || return 1
    [ "$(info "$a" cluster_slots_ok)" -eq "$SLOTS" ] || return 1
    # Exactly the layout: CLUSTER_MASTERS masters with slots, each with CLUSTER_REPLICAS replicas,
    # and no node left as an empty master.
    [ "$(live "$a" | awk '$2 ~ /master/ && $4 == "noslots"' | wc -l)" -eq 0 ] || return 1
    replicas_per_master "$a" | awk -v r="$CLUSTER_REPLICAS" -v masters="$CLUSTER_MASTERS" '
      {n++; if ($2 != r) bad=1} END {exit (bad || n != masters) ? 1 : 0}' || return 1
  done
}
wait_for "every node ok, knowing every node, every slot served, every master with its replicas" healthy
echo "cluster ok: $REDIS_NODES"
