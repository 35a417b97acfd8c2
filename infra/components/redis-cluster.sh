#!/bin/sh
# Creates or heals the wslab Redis Cluster. Run the same way everywhere: by the one-shot container
# of infra/components/redis-cluster.ts (replaced, so run again, whenever a node container is
# replaced) and by infra/test/redis-cluster-heal.e2e.test.ts against local redis-server processes.
#
# Environment: REDIS_NODES (node addresses, space-separated: host or host:port; host an IP or a
# resolvable name), REDIS_PORT (the port of entries without one; default 6379), CLUSTER_MASTERS,
# CLUSTER_REPLICAS (per master), REDISCLI_AUTH (password, read by redis-cli itself),
# HEAL_TIMEOUT_S (each wait; default 60).
#
# The layout is derived from what every node says of itself (its `myself` line of CLUSTER NODES),
# never from one node's view of the others, which lags behind failovers by seconds:
# 1. no node serves a slot: create the cluster (redis-cli --cluster create);
# 2. otherwise the script waits until every slot is served by exactly one live master (a lost
#    master's replica has been promoted; where the election cannot start, because the lost
#    master's address already answers with a new node's id, its replica is told to take over);
#    only then it forgets the identities no live node has (forgetting a master before its
#    replica's promotion leaves the replica without a master in every view) and has every listed
#    node meet the cluster (meeting a new node on a lost master's address earlier is what keeps
#    the others from ever marking that master failed);
# 3. every node that serves no slot and follows no live master becomes the replica of the live
#    master with the fewest replicas, and surplus replicas move to masters that lack one;
# 4. every node must then report cluster_state:ok, know exactly the listed nodes, see none
#    failed, and the layout must be CLUSTER_MASTERS masters with CLUSTER_REPLICAS replicas each.
# Any wait that times out exits non-zero with what it waited for.
set -eu
: "${REDIS_NODES:?}" "${CLUSTER_REPLICAS:?}" "${CLUSTER_MASTERS:?}"
REDIS_PORT=${REDIS_PORT:-6379}
HEAL_TIMEOUT_S=${HEAL_TIMEOUT_S:-60}
SLOTS=16384
node_count=$(echo $REDIS_NODES | wc -w)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

host_of() { case $1 in *:*) echo "${1%:*}" ;; *) echo "$1" ;; esac; }
port_of() { case $1 in *:*) echo "${1##*:}" ;; *) echo "$REDIS_PORT" ;; esac; }
# CLUSTER MEET takes an IP address: a name is resolved first.
ip_of() {
  h=$(host_of "$1")
  case $h in
    *[!0-9.]*) getent hosts "$h" | awk 'NR == 1 {print $1}' ;;
    *) echo "$h" ;;
  esac
}
rc() { a=$1; shift; redis-cli -h "$(host_of "$a")" -p "$(port_of "$a")" "$@" 2>/dev/null | tr -d '\r'; }
# One numeric field of CLUSTER INFO (0 when missing or unreachable).
info() { rc "$1" cluster info | awk -F: -v k="$2" '$1 == k {v = $2} END {print v + 0}'; }

wait_for() {
  what=$1; shift; n=0
  until "$@"; do
    n=$((n + 1)); [ "$n" -lt "$HEAL_TIMEOUT_S" ] || { echo "timed out: $what" >&2; exit 1; }; sleep 1
  done
}
pong() { rc "$1" ping | grep -q PONG; }

# What every node says of itself, one line each: "address id role master-id slot-ranges…"
# (role master or replica; master-id "-" for a master; a lone slot as "n-n").
survey() {
  : >"$work/self"
  for a in $REDIS_NODES; do
    rc "$a" cluster nodes | awk -v a="$a" '$3 ~ /(^|,)myself(,|$)/ {
      line = a " " $1 " " ($3 ~ /master/ ? "master" : "replica") " " $4
      for (i = 9; i <= NF; i++) if ($i !~ /^\[/) line = line " " ($i ~ /-/ ? $i : $i "-" $i)
      print line
    }' >>"$work/self"
  done
}
# Masters that serve slots, by their own word: "id address".
serving_masters() { awk '$3 == "master" && NF > 4 {print $2, $1}' "$work/self"; }
# Replicas per serving master: "id count".
replica_counts() {
  awk '$3 == "master" && NF > 4 {n[$2] += 0} $3 == "replica" {r[$4]++}
    END {for (id in n) print id, r[id] + 0}' "$work/self"
}
# Slots no live master serves, or more than one claims, as "from-to" ranges (empty: all fine).
slot_problems() {
  awk -v slots="$SLOTS" '$3 == "master" {
      for (i = 5; i <= NF; i++) {split($i, r, "-"); for (s = r[1]; s <= r[2]; s++) c[s]++}
    }
    END {
      for (s = 0; s <= slots; s++) {
        bad = (s < slots && c[s] != 1)
        if (bad && start == "") start = s
        if (!bad && start != "") {printf "%s%s-%s", sep, start, s - 1; sep = " "; start = ""}
      }
    }' "$work/self"
}
every_slot_served_once() { survey; [ -z "$(slot_problems)" ]; }
knows() { rc "$1" cluster nodes | grep -q "^$2 "; }

for a in $REDIS_NODES; do wait_for "redis node $a answering" pong "$a"; done
survey

if [ -z "$(serving_masters)" ]; then
  # No slot is served, so no node holds data: a node left over from an interrupted creation
  # (it knows other nodes) is reset so that --cluster create accepts it.
  for a in $REDIS_NODES; do
    if [ "$(info "$a" cluster_known_nodes)" -gt 1 ]; then rc "$a" cluster reset hard >/dev/null; fi
  done
  # shellcheck disable=SC2046 # one argument per node
  redis-cli --cluster create $(for a in $REDIS_NODES; do printf '%s:%s ' "$(ip_of "$a")" "$(port_of "$a")"; done) \
    --cluster-replicas "$CLUSTER_REPLICAS" --cluster-yes
else
  anchor=$(serving_masters | awk 'NR == 1 {print $2}')
  # 2. A lost master's replica takes over (cluster-node-timeout, then an election) before anything
  #    is forgotten, met or attached.
  if ! every_slot_served_once; then
    echo "waiting for every slot to be served by one live master (now: $(slot_problems))"
    timeout_ms=$(rc "$anchor" config get cluster-node-timeout | awk 'NR == 2 {print $1 + 0}')
    wait_s=$((3 * ${timeout_ms:-15000} / 1000 + 2))
    n=0
    until every_slot_served_once || [ "$n" -ge "$wait_s" ]; do n=$((n + 1)); sleep 1; done
  fi
  # A node replaced on its old address before the others marked it failed never fails in their
  # views: its address answers with another id, so they mark it noaddr and stop probing it, and
  # no election starts. No listed node holds that id, so the master is gone for certain: its
  # replica takes over on request (FORCE: the other masters still vote; TAKEOVER if they do not).
  if ! every_slot_served_once; then
    ids=$(awk '{print $2}' "$work/self")
    rc "$anchor" cluster nodes | awk '$3 ~ /master/ && NF > 8 {print $1}' | grep -vxF "$ids" |
      while read -r ghost; do
        heir=$(awk -v g="$ghost" '$3 == "replica" && $4 == g {print $1; exit}' "$work/self")
        [ -n "$heir" ] || continue
        echo "master $ghost is gone and not failed over: $heir takes over"
        rc "$heir" cluster failover force >/dev/null
        promoted() { rc "$heir" role | head -n 1 | grep -qx master; }
        k=0
        until promoted || [ "$k" -ge 10 ]; do k=$((k + 1)); sleep 1; done
        promoted || rc "$heir" cluster failover takeover >/dev/null
      done
  fi
  n=0
  until every_slot_served_once; do
    n=$((n + 1))
    if [ "$n" -ge "$HEAL_TIMEOUT_S" ]; then
      echo "timed out: slots $(slot_problems) have no live master (a master and all of its replicas" \
        "lost: their data is gone) or more than one; the cluster cannot be healed without losing them" >&2
      exit 1
    fi
    sleep 1
  done
  anchor=$(serving_masters | awk 'NR == 1 {print $2}')
  anchor_id=$(serving_masters | awk 'NR == 1 {print $1}')
  live_ids=$(awk '{print $2}' "$work/self")
  forget_ghosts() {
    for a in $REDIS_NODES; do rc "$a" cluster nodes | awk '{print $1}'; done | sort -u >"$work/seen"
    for id in $(grep -vxF "$live_ids" "$work/seen" || true); do
      # A replica cannot forget its own master: it answers an error, and is attached in step 3.
      for a in $REDIS_NODES; do rc "$a" cluster forget "$id" >/dev/null || true; done
      echo "forgot $id (no live node has it)"
    done
  }
  forget_ghosts
  # Then every listed node meets the cluster (a new node, or one whose address changed).
  for a in $REDIS_NODES; do
    id=$(awk -v a="$a" '$1 == a {print $2}' "$work/self")
    if [ "$a" != "$anchor" ] && ! knows "$a" "$anchor_id"; then
      echo "meeting $a ($id)"
      rc "$anchor" cluster meet "$(ip_of "$a")" "$(port_of "$a")" >/dev/null
    fi
  done
  # 3. Nodes without a role: an empty master (a new node) or a replica of a master that is gone.
  survey
  serving_ids=$(serving_masters | awk '{print $1}')
  awk '($3 == "master" && NF == 4) {print $1, $2}' "$work/self" >"$work/unattached"
  awk '$3 == "replica" {print $1, $2, $4}' "$work/self" | while read -r a id master; do
    echo "$serving_ids" | grep -qxF "$master" || echo "$a $id"
  done >>"$work/unattached"
  attach() { # address id master-id
    wait_for "$1 to learn master $3" knows "$1" "$3"
    answer=$(rc "$1" cluster replicate "$3")
    [ "$answer" = OK ] || { echo "CLUSTER REPLICATE $3 on $1: $answer" >&2; exit 1; }
    echo "$1 ($2) is now a replica of $3"
    survey
  }
  while read -r a id; do
    master=$(replica_counts | sort -k2,2n -k1,1 | awk 'NR == 1 {print $1}')
    attach "$a" "$id" "$master"
  done <"$work/unattached"
  # A master with more replicas than the layout gives one to a master with fewer.
  while :; do
    survey
    short=$(replica_counts | awk -v r="$CLUSTER_REPLICAS" '$2 < r {print $1; exit}')
    long=$(replica_counts | awk -v r="$CLUSTER_REPLICAS" '$2 > r {print $1; exit}')
    [ -n "$short" ] && [ -n "$long" ] || break
    set -- $(awk -v m="$long" '$3 == "replica" && $4 == m {print $1, $2; exit}' "$work/self")
    attach "$1" "$2" "$short"
  done
  forget_ghosts
fi

healthy() {
  survey
  [ "$(wc -l <"$work/self")" -eq "$node_count" ] || return 1
  [ -z "$(slot_problems)" ] || return 1
  [ "$(serving_masters | wc -l)" -eq "$CLUSTER_MASTERS" ] || return 1
  # No empty master, and every serving master with exactly its replicas.
  [ "$(awk '$3 == "master" && NF == 4' "$work/self" | wc -l)" -eq 0 ] || return 1
  [ "$(awk '$3 == "replica"' "$work/self" | wc -l)" -eq $((CLUSTER_MASTERS * CLUSTER_REPLICAS)) ] || return 1
  replica_counts | awk -v r="$CLUSTER_REPLICAS" '$2 != r {bad = 1} END {exit bad}' || return 1
  for a in $REDIS_NODES; do
    rc "$a" cluster info | grep -q '^cluster_state:ok$' || return 1
    [ "$(info "$a" cluster_known_nodes)" -eq "$node_count" ] || return 1
    [ "$(info "$a" cluster_slots_ok)" -eq "$SLOTS" ] || return 1
    ! rc "$a" cluster nodes | awk '{print $3}' | grep -qE '(^|,)(fail\??|noaddr|handshake)(,|$)' || return 1
  done
}
wait_for "every node ok, knowing exactly the listed nodes, none failed, $CLUSTER_MASTERS masters with $CLUSTER_REPLICAS replicas each" healthy
echo "cluster ok: $REDIS_NODES"
