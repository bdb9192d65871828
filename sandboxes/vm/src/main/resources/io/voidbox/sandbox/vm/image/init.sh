#!/bin/sh
# VoidBox guest init (PID 1 inside the micro-VM, run by busybox sh).
# Mounts the kernel file systems, loads the virtio modules, mounts the read-only root disk at
# /opt/voidbox, sets up networking when a NIC exists, prepares /workspace and the agent's home,
# starts the guest agent and powers the VM off when it exits. Every step prints a
# "voidbox-init:" marker on the console; the host reads them to follow and time the boot.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
log() { echo "voidbox-init: $*"; }
fail() { echo "voidbox-init: FATAL $*"; poweroff -f; sleep 5; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=1777,size=10% tmpfs /dev/shm
mount -t tmpfs -o mode=0755,size=5% tmpfs /run
mount -t tmpfs -o mode=1777,size=25% tmpfs /tmp
log "kernel $(uname -r)"
log "pid1 $(cat /proc/1/comm)"

while read -r m; do
  [ -n "$m" ] || continue
  insmod "/voidbox/modules/$m.ko" 2>/dev/console || log "insmod $m failed"
done < /voidbox/modules.order
log "modules loaded"

# The root disk (virtio-blk, first disk) carries the JRE, the agent, Claude Code and the libraries.
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -b /dev/vda ] || fail "no root disk /dev/vda (virtio-blk missing?)"
mkdir -p /opt/voidbox
mount -t "$(cat /voidbox/rootfs.type)" -o ro /dev/vda /opt/voidbox || fail "cannot mount /dev/vda"
log "root disk mounted"

# Agent layers (voidbox.layers=NAME:EXECUTABLE,...): one read-only disk each, found by its serial
# (the name), mounted at /opt/NAME with /usr/bin/NAME linked to the agent CLI in it.
layers=""
for arg in $(cat /proc/cmdline); do
  case "$arg" in voidbox.layers=*) layers="${arg#voidbox.layers=}" ;; esac
done
for l in $(echo "$layers" | tr ',' ' '); do
  name="${l%%:*}"
  dev=""
  i=0
  while [ -z "$dev" ] && [ $i -lt 100 ]; do
    for s in /sys/block/vd*/serial; do
      [ -f "$s" ] && [ "$(cat "$s")" = "$name" ] && dev="/dev/$(basename "$(dirname "$s")")"
    done
    [ -n "$dev" ] || { sleep 0.05; i=$((i + 1)); }
  done
  [ -n "$dev" ] || fail "no disk for agent layer $name"
  mkdir -p "/opt/$name"
  mount -t "$(cat /voidbox/rootfs.type)" -o ro "$dev" "/opt/$name" || fail "cannot mount agent layer $name ($dev)"
  ln -sf "/opt/$name/${l#*:}" "/usr/bin/$name"
  log "layer $name $dev"
done

# virtio-serial ports get stable names the way udev would create them.
mkdir -p /dev/virtio-ports
for d in /sys/class/virtio-ports/*; do
  [ -f "$d/name" ] || continue
  n=$(cat "$d/name")
  [ -n "$n" ] && ln -sf "../${d##*/}" "/dev/virtio-ports/$n" && log "port $n /dev/${d##*/}"
done

hostname voidbox
ip link set lo up
if [ -e /sys/class/net/eth0 ]; then
  ip link set eth0 up
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.1
  # QEMU maps its gateway address to the host's loopback: the box reaches the host only through
  # the tunnels the host opens (10.0.2.2), never its loopback services directly. Both addresses
  # are the guest's own (local routes), so an attempt never leaves the guest and is logged below.
  ip route add local 10.0.2.1/32 dev lo || fail "cannot fence off the host's loopback"
  ip route add local 10.0.2.2/32 dev lo || fail "cannot fence off the host's loopback"
  echo "nameserver 10.0.2.3" > /etc/resolv.conf
  log "network eth0 10.0.2.15 gw 10.0.2.1 (open)"
else
  # Every IPv4 address is the guest's own: a connection goes to a tunnel listener or is refused
  # (and logged below) inside the guest. Names are answered by the guest agent, which asks the host.
  ip route add local 0.0.0.0/0 dev lo || fail "cannot route the box's addresses to its loopback"
  echo "nameserver 127.0.0.53" > /etc/resolv.conf
  echo "options timeout:5 attempts:1" >> /etc/resolv.conf
  echo "10.0.2.2 host" >> /etc/hosts
  log "network none (tunnels only)"
fi
# net.denied: the kernel logs the reset it sends for every TCP connection nothing listens for and
# every ICMP port-unreachable on the loopback (where all of the box's destinations are), except
# the guest's own 127.0.0.0/8 services (127.77.0.0/16 are the allowed names' aliases); the guest
# agent reads these lines from /dev/kmsg and reports them to the host.
if nft -f - <<'NFT' 2>/dev/console
table ip voidbox {
  chain denied {
    type filter hook output priority 0; policy accept;
    oifname "lo" ip saddr 127.0.0.0/8 ip saddr != 127.77.0.0/16 accept
    oifname "lo" @th,104,8 0x14 tcp sequence 0 log prefix "vbx-denied " level info
    oifname "lo" icmp type destination-unreachable icmp code port-unreachable log prefix "vbx-denied " level info
  }
}
NFT
then
  log "net.denied log on"
else
  log "net.denied log unavailable (nft failed)"
fi

# voidbox.agent_uid=UID:GID (boxes with live mounts): the agent user takes the host uid that owns the
# shared files, so the guest's permission checks (on the uids QEMU reports) let it write them.
auid=1000
agid=1000
shares=""
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    voidbox.agent_uid=*) v="${arg#voidbox.agent_uid=}"; auid="${v%%:*}"; agid="${v#*:}" ;;
    voidbox.shares=*) shares="${arg#voidbox.shares=}" ;;
  esac
done
if [ "$auid" != 1000 ] || [ "$agid" != 1000 ]; then
  sed -i "s/^agent:x:1000:1000:/agent:x:$auid:$agid:/" /etc/passwd
  sed -i "s/^agent:x:1000:/agent:x:$agid:/" /etc/group
fi
mount -t tmpfs -o mode=0755,size=50% tmpfs /workspace
mount -t tmpfs -o mode=0700,size=25% tmpfs /home/agent
chown "$auid:$agid" /workspace /home/agent
log "workspace /workspace home /home/agent user agent($auid)"

# Live mounts (voidbox.shares=TAG:PATH:ro|rw,...): host directories QEMU serves over virtio-9p.
if [ -n "$shares" ]; then
  for s in $(echo "$shares" | tr ',' ' '); do
    tag="${s%%:*}"
    rest="${s#*:}"
    path="${rest%:*}"
    mode="${rest##*:}"
    mkdir -p "$path" || fail "cannot create mount point $path"
    mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144,$mode" "$tag" "$path" || fail "cannot mount share $tag at $path"
    log "share $tag $path $mode"
  done
fi

# Bounds: every command of the agent runs in the cgroup "agent" (the guest agent puts it there),
# whose memory and process limits leave the guest agent and the kernel room to report the breach.
mkdir -p /sys/fs/cgroup
if mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo "+memory +pids" > /sys/fs/cgroup/cgroup.subtree_control \
    && mkdir -p /sys/fs/cgroup/agent; then
  total_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
  # the guest agent (a JVM), the kernel and the page cache they run from keep a quarter, at least 192 MiB
  reserve_kb=$((total_kb / 4))
  [ "$reserve_kb" -lt 196608 ] && reserve_kb=196608
  echo $(((total_kb - reserve_kb) * 1024)) > /sys/fs/cgroup/agent/memory.max
  echo 512 > /sys/fs/cgroup/agent/pids.max
  # the whole agent group weighs as one process (the default weight 100 of a task in the root cgroup):
  # the guest agent keeps its CPU while a fork bomb spins, so it notices the breach and kills the group.
  # Not less: a lighter group starves the agent's commands whenever the guest agent is busy (its JVM
  # compiling, under TCG on a loaded host, for minutes), and commands then never finish.
  cpu=""
  if echo "+cpu" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null && echo 100 > /sys/fs/cgroup/agent/cpu.weight; then
    cpu=" cpu.weight 100"
  fi
  log "limits agent: memory.max $(((total_kb - reserve_kb) / 1024)) MiB pids.max 512$cpu"
else
  fail "cannot set up the agent cgroup (cgroup2 with memory and pids)"
fi
# No user namespaces for anyone: they are how an unprivileged process gets capabilities back.
echo 0 > /proc/sys/user/max_user_namespaces || fail "cannot disable user namespaces"
[ -e /proc/sys/kernel/unprivileged_userns_clone ] && echo 0 > /proc/sys/kernel/unprivileged_userns_clone

if [ -f /opt/voidbox/agent/agent.env ]; then
  . /opt/voidbox/agent/agent.env
  cd /workspace
  log "agent-start $(cut -d' ' -f1 /proc/uptime)"
  # The agent runs as root (it starts commands as 'agent' via setpriv); its output goes to the console.
  # The OOM killer never picks the guest agent (its commands reset this to 0 when they start).
  echo -1000 > /proc/self/oom_score_adj
  HOME=/root /opt/voidbox/jre/bin/java $VOIDBOX_JAVA_OPTS -cp "$VOIDBOX_CLASSPATH" $VOIDBOX_MAIN_CLASS < /dev/null
  log "agent-exit $?"
else
  log "no agent on the root disk"
fi
log "poweroff $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
sleep 5
