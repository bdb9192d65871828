package io.voidbox.sandbox.namespace.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.spi.support.SandboxUser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A namespace box's network namespace, held by the host for the box's life instead of by each
 * command, so that the host can see what the box's kernel refused. A small holder process
 * ({@code unshare}) creates it, brings up loopback, routes every address to it (a connection
 * anywhere is answered, or refused, inside; nothing leaves), installs an nftables table that adds
 * each refusal (the reset or ICMP port-unreachable the kernel sends back) to a set with a counter,
 * and then serves the host on stdin: start a listener that forwards an address and port (TCP, an
 * address range's, or the DNS relay's UDP) to a Unix socket of {@link HostForwarder}, or print the
 * table. In {@code open} mode slirp4netns gives it a NAT instead of the route to loopback. Every
 * command of the box enters the namespace ({@link #enter()}) before bubblewrap makes the rest of
 * its sandbox.
 *
 * <p>Code in the box can neither change nor forge these records: its user namespace (bubblewrap's,
 * nested) holds no capability over this network namespace, and the holder and its listeners live
 * outside the box's pid namespace. The holder ends when its stdin closes (on {@link #close()}, or
 * when the JVM dies), and its listeners die with it. One per sandbox.
 */
final class NetNamespace implements AutoCloseable {
    /** The nftables table: the refusals, by destination and port, each with a packet counter. */
    static final String RULES = """
            table inet voidbox {
              set tcp4 { type ipv4_addr . inet_service; flags dynamic; counter; size 4096; }
              set tcp6 { type ipv6_addr . inet_service; flags dynamic; counter; size 4096; }
              set udp4 { typeof @th,192,32 . @th,240,16; flags dynamic; counter; size 4096; }
              chain denied {
                type filter hook output priority 0; policy accept;
                oifname "lo" meta nfproto ipv4 @th,104,8 0x14 tcp sequence 0 add @tcp4 { ip saddr . tcp sport }
                oifname "lo" meta nfproto ipv6 @th,104,8 0x14 tcp sequence 0 add @tcp6 { ip6 saddr . tcp sport }
                oifname "lo" icmp type destination-unreachable icmp code port-unreachable add @udp4 { @th,192,32 . @th,240,16 }
              }
            }
            """;

    /**
     * The holder: {@code $1} the run directory (the ports' sockets), {@code $2} the rules, {@code
     * $3} {@code open} (no route of every address to loopback: {@link #start} adds slirp4netns) or
     * {@code restricted}, the rest the command prefix that drops the listeners' privileges (ports
     * below 1024 are anyone's in this namespace: the DNS listener). Says {@code ready} once the rules
     * are in, then answers, one line each until stdin ends: {@code listen
     * tcp|range|udp ADDRESS PORT SOCKET LINE} (started once {@code LINE} shows in its {@code
     * /proc/net} table; {@code range}: TCP whose connections first send their destination address,
     * one line, through {@link #RANGE}), {@code report} (the table) and {@code route} (the default
     * route, if any).
     */
    private static final String HOLDER = """
            ip link set lo up || exit 1
            [ "$3" = open ] || ip route add local 0.0.0.0/0 dev lo || exit 1
            ip -6 route add local ::/0 dev lo 2>/dev/null
            echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start || exit 1
            nft -f "$2" || exit 1
            echo ready
            run=$1; range="${2%/*}/range.sh"; shift 3; pids=
            while read -r cmd proto addr port sock line; do
              case $cmd in
                listen)
                  to="UNIX-CONNECT:$run/$sock"
                  case $proto in
                    tcp) from="TCP-LISTEN:$port,bind=$addr,fork,reuseaddr" ;;
                    range) from="TCP-LISTEN:$port,bind=$addr,fork,reuseaddr"; to="EXEC:/bin/sh $range $run/$sock"; proto=tcp ;;
                    *) from="UDP4-RECVFROM:$port,bind=$addr,fork" ;;
                  esac
                  "$@" socat "$from" "$to" </dev/null >/dev/null 2>&1 &
                  pids="$pids $!"; n=0
                  while ! grep -q " $line " "/proc/net/$proto" && [ $n -lt 500 ]; do n=$((n+1)); sleep 0.01; done
                  if [ $n -lt 500 ]; then echo "listening $addr $port"; else echo "failed $addr $port"; fi ;;
                report) nft -j list table inet voidbox 2>/dev/null || echo '{}' ;;
                route) echo "route $(ip -4 route show default | head -1)" ;;
                *) echo "unknown $cmd" ;;
              esac
            done
            kill $pids 2>/dev/null
            """;

    /**
     * A range listener's connection (its stdin and stdout): the address the box connected to
     * (every address is local here, so the accepting socket's own), one line, then the stream. The
     * host's end of the stream shuts the connection's write side down ({@code cat} still holds it
     * open for reading), so the box sees it end.
     */
    static final String RANGE = """
            { echo "$SOCAT_SOCKADDR"; exec cat; } | exec socat -t 30 "STDIN!!STDOUT,shut-down" "UNIX-CONNECT:$1"
            """;

    /** One refused destination: its address, port and protocol. */
    record Refused(String destination, int port, String protocol) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process holder;
    /** slirp4netns in {@code open} mode, else null. */
    private Process slirp;

    private final BufferedReader replies;
    private final Writer requests;
    private final SandboxUser user;
    /** Requests stop here (guarded by this, like every request: none is cut off by the close). */
    private boolean closed;

    private final Set<String> listening = new HashSet<>();
    /** Attempts already reported, per destination (the sets' counters only grow). */
    private final Map<Refused, Long> reported = new HashMap<>();

    private NetNamespace(Process holder, SandboxUser user) {
        this.holder = holder;
        this.user = user;
        this.replies = holder.inputReader(StandardCharsets.UTF_8);
        this.requests = holder.outputWriter(StandardCharsets.UTF_8);
    }

    /**
     * Starts the holder for a box whose sockets are in {@code runDir}; its errors go to {@code log}
     * (a host-only file), quoted if it fails.
     */
    static NetNamespace start(SandboxUser user, Path runDir, Path log, boolean open) throws IOException {
        Path rules = Files.writeString(runDir.getParent().resolve("net.nft"), RULES);
        Files.writeString(runDir.getParent().resolve("range.sh"), RANGE);
        List<String> argv = new ArrayList<>(
                user.dropFromRoot()
                        ? List.of("unshare", "--net", "--")
                        : List.of("unshare", "--user", "--map-root-user", "--net", "--"));
        argv.addAll(List.of(
                "/bin/sh", "-c", HOLDER, "holder", runDir.toString(), rules.toString(), open ? "open" : "restricted"));
        argv.addAll(List.of("setpriv", "--pdeathsig", "KILL"));
        if (user.dropFromRoot())
            argv.addAll(List.of("--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups"));
        argv.addAll(List.of("--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(log.toFile());
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        Process p = pb.start();
        NetNamespace net;
        String first;
        try {
            net = new NetNamespace(p, user);
            first = net.replies.readLine();
        } catch (IOException e) {
            p.destroyForcibly();
            throw e;
        }
        if (!"ready".equals(first)) {
            p.destroyForcibly();
            throw new IOException("the box's network namespace did not start: "
                    + Files.readString(log).strip());
        }
        if (open) {
            try {
                net.slirp = net.startSlirp(log);
            } catch (IOException | RuntimeException e) {
                net.close();
                throw e;
            }
        }
        return net;
    }

    /**
     * {@code open} mode's way out: slirp4netns, a user-mode TCP/IP stack that gives the namespace a
     * NATed interface ({@code tap0}, 10.0.2.100) and connects from the host's side, refusing the
     * host's loopback ({@code --disable-host-loopback}); it ends when its stdin closes (with this
     * or with the JVM).
     */
    private Process startSlirp(Path log) throws IOException {
        String pid = String.valueOf(holder.pid());
        List<String> argv = new ArrayList<>(List.of(
                "slirp4netns",
                "--configure",
                "--mtu=65520",
                "--disable-host-loopback",
                "--enable-sandbox",
                "--exit-fd=0"));
        if (!user.dropFromRoot()) argv.add("--userns-path=/proc/" + pid + "/ns/user");
        argv.addAll(List.of(pid, "tap0"));
        Process p = new ProcessBuilder(argv)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        for (int i = 0; i < 250; i++) {
            if (ask("route").startsWith("route default")) return p;
            if (!p.isAlive()) break;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        p.destroyForcibly();
        throw new IOException("the box's open network (slirp4netns) did not come up: "
                + Files.readString(log).strip());
    }

    /** The command prefix that runs a command in this network namespace. */
    List<String> enter() {
        String pid = String.valueOf(holder.pid());
        return user.dropFromRoot()
                ? List.of("nsenter", "--net=/proc/" + pid + "/ns/net", "--")
                : List.of("nsenter", "--target=" + pid, "--user", "--net", "--preserve-credentials", "--");
    }

    /**
     * Makes TCP {@code address:port} (an IPv4 loopback address) inside forward to {@code socket} in
     * the run directory; once per address and port.
     */
    void listen(String address, int port, String socket) throws IOException {
        listen("tcp", address, port, socket, "0A"); // TCP_LISTEN
    }

    /**
     * Makes TCP {@code port} on every address inside forward to {@code socket}, each connection
     * preceded by the address it was made to (one line): an address range's listener.
     */
    void listenRange(int port, String socket) throws IOException {
        listen("range", "0.0.0.0", port, socket, "0A");
    }

    /** The same for UDP datagrams (each relayed as one connection: the DNS listener). */
    void listenDatagrams(String address, int port, String socket) throws IOException {
        listen("udp", address, port, socket, "07"); // an unconnected UDP socket (TCP_CLOSE)
    }

    private synchronized void listen(String proto, String address, int port, String socket, String state)
            throws IOException {
        if (closed) throw new IOException("the box's network namespace is closed");
        String key = proto + " " + address + ":" + port;
        if (!listening.add(key)) return;
        // the socket's line in /proc/net/tcp|udp: local address (little-endian hex), remote 0:0, state
        byte[] a = InetAddress.getByName(address).getAddress();
        String local = "%02X%02X%02X%02X:%04X".formatted(a[3], a[2], a[1], a[0], port);
        String reply = ask(String.join(" ", "listen", proto, address, String.valueOf(port), socket, local)
                + " 00000000:0000 " + state);
        if (!reply.equals("listening " + address + " " + port)) {
            listening.remove(key);
            throw new IOException("the box's listener on " + address + ":" + port + " did not start (" + reply + ")");
        }
    }

    /** The refusals since the last call, with how many attempts each. */
    synchronized Map<Refused, Long> newlyRefused() throws IOException {
        if (closed) return Map.of();
        Map<Refused, Long> now = parse(JSON.readTree(ask("report")));
        Map<Refused, Long> fresh = new HashMap<>();
        now.forEach((r, count) -> {
            long before = reported.getOrDefault(r, 0L);
            if (count > before) fresh.put(r, count - before);
            reported.put(r, count);
        });
        return fresh;
    }

    /** The elements of the table's sets ({@code nft -j list table}), with their counters. */
    static Map<Refused, Long> parse(JsonNode table) throws UnknownHostException {
        Map<Refused, Long> refused = new HashMap<>();
        for (JsonNode item : table.path("nftables")) {
            JsonNode set = item.path("set");
            String name = set.path("name").asText();
            if (!set.isObject() || !List.of("tcp4", "tcp6", "udp4").contains(name)) continue;
            for (JsonNode e : set.path("elem")) {
                JsonNode key = e.path("elem").path("val").path("concat");
                long packets = e.path("elem").path("counter").path("packets").asLong();
                if (key.size() != 2 || packets <= 0) continue;
                JsonNode address = key.get(0);
                String destination = address.isNumber() // udp4's raw key: the address as a number
                        ? InetAddress.getByAddress(ByteBuffer.allocate(4)
                                        .putInt((int) address.asLong())
                                        .array())
                                .getHostAddress()
                        : address.asText();
                refused.merge(new Refused(destination, key.get(1).asInt(), name.substring(0, 3)), packets, Long::sum);
            }
        }
        return refused;
    }

    private String ask(String request) throws IOException {
        requests.write(request + "\n");
        requests.flush();
        String reply = replies.readLine();
        if (reply == null) throw new IOException("the box's network namespace holder is gone");
        return reply;
    }

    /** Ends the holder (its stdin closes), and with it the listeners; the namespace goes with the last command. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (slirp != null) slirp.destroy();
        try {
            requests.close();
        } catch (IOException ignored) {
            // it is gone already
        }
        try {
            if (!holder.waitFor(2, TimeUnit.SECONDS)) holder.destroyForcibly().waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            holder.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
