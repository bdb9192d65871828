package io.voidbox.guest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What makes a booted guest this box and no other, applied once at the first accepted Hello (not
 * at boot): a guest saved in a snapshot before that point is box-neutral, and every box restored
 * from it gets its own hostname, NIC address, entropy and clock here. The values come from the
 * {@code fw_cfg} file {@value #FW_CFG_BOX} (lines {@code key=value}: {@code hostname}, {@code mac},
 * {@code seed} in hex), which QEMU hands to each machine afresh, and the clock from the Hello.
 */
final class BoxIdentity {
    /** Where QEMU's {@code -fw_cfg name=opt/voidbox/box} appears below /sys. */
    static final String FW_CFG_BOX = "firmware/qemu_fw_cfg/by_name/opt/voidbox/box/raw";

    private static final Pattern HOSTNAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");
    /** A clock this far off the host's is set. */
    private static final long CLOCK_SLACK_MS = 500;

    private BoxIdentity() {}

    /** Parses the box file: {@code key=value} lines; padding and unknown keys are ignored. */
    static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0)
                out.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        return out;
    }

    /**
     * Applies the box file below {@code sysRoot} (if there is one: only in a VM) and the host's
     * clock; each step is best effort and logs what it did or why it could not.
     */
    static void apply(Path sysRoot, Path procRoot, long hostEpochMillis) {
        Path file = sysRoot.resolve(FW_CFG_BOX);
        if (!Files.exists(file)) return;
        Map<String, String> box;
        try {
            box = parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            Log.warn("cannot read the box identity " + file + ": " + e.getMessage());
            return;
        }
        StringBuilder done = new StringBuilder();
        String seed = box.getOrDefault("seed", "");
        if (!seed.isEmpty()) {
            try (OutputStream o = Files.newOutputStream(Path.of("/dev/urandom"))) {
                o.write(HexFormat.of().parseHex(seed));
                done.append(" entropy ").append(seed.length() / 2).append(" bytes");
            } catch (IOException | IllegalArgumentException e) {
                Log.warn("cannot reseed /dev/urandom: " + e.getMessage());
            }
        }
        String hostname = box.getOrDefault("hostname", "");
        if (HOSTNAME.matcher(hostname).matches()) {
            try {
                Files.writeString(procRoot.resolve("sys/kernel/hostname"), hostname);
                done.append(" hostname ").append(hostname);
            } catch (IOException e) {
                Log.warn("cannot set the hostname: " + e.getMessage());
            }
        }
        String mac = box.getOrDefault("mac", "");
        if (MAC.matcher(mac).matches() && Files.exists(sysRoot.resolve("class/net/eth0"))) {
            if (run(List.of("ip", "link", "set", "dev", "eth0", "address", mac)))
                done.append(" mac ").append(mac);
        }
        if (hostEpochMillis > 0 && Math.abs(System.currentTimeMillis() - hostEpochMillis) > CLOCK_SLACK_MS) {
            long skew = System.currentTimeMillis() - hostEpochMillis;
            // busybox date: "@SECONDS" sets the clock; the sub-second part is rounded
            if (run(List.of("date", "-u", "-s", "@" + Math.round(hostEpochMillis / 1000.0))))
                done.append(" clock set (was ").append(skew).append(" ms off)");
        }
        Log.info("box identity:" + (done.length() == 0 ? " nothing to set" : done));
    }

    private static boolean run(List<String> argv) {
        if (Executables.find(argv.getFirst()).isEmpty()) {
            Log.warn("cannot run " + argv.getFirst() + ": not installed");
            return false;
        }
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                Log.warn(String.join(" ", argv.subList(0, Math.min(3, argv.size()))) + " failed: " + out);
                return false;
            }
            return true;
        } catch (IOException e) {
            Log.warn(argv.getFirst() + " failed: " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
