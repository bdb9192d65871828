package io.voidbox.sandbox.vm;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for the guest agent in VM tests (pure JDK; packed into the test image). Behaviour is
 * chosen by {@code voidbox.placeholder=} on the kernel command line: {@code exit} (default) prints
 * the ready marker and exits, {@code echo} writes a line to the channel port and prints the reply,
 * {@code hold} stays up, {@code probe} checks bash, setpriv and claude inside the guest.
 */
public final class PlaceholderAgent {
    private PlaceholderAgent() {}

    public static void main(String[] args) throws Exception {
        String cmdline = Files.readString(Path.of("/proc/cmdline")).trim();
        String mode = arg(cmdline, "voidbox.placeholder", "exit");
        String port = arg(cmdline, "voidbox.port", "voidbox.0");
        System.out.println("voidbox-placeholder: java " + Runtime.version() + " uptime "
                + Files.readString(Path.of("/proc/uptime")).split(" ")[0] + " user " + System.getProperty("user.name")
                + " mode " + mode);
        System.out.println("voidbox-init: agent-ready");
        switch (mode) {
            case "echo" -> {
                try (RandomAccessFile ch = new RandomAccessFile("/dev/virtio-ports/" + port, "rw")) {
                    ch.write(("hello-from-guest " + System.getProperty("os.version") + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                    System.out.println("voidbox-placeholder: got " + ch.readLine());
                }
            }
            case "hold" -> Thread.sleep(TimeUnit.MINUTES.toMillis(10));
            case "probe" -> {
                run(List.of("/bin/bash", "-c", "echo bash=$BASH_VERSION"));
                run(List.of(
                        "setpriv",
                        "--reuid=1000",
                        "--regid=1000",
                        "--init-groups",
                        "--",
                        "/bin/sh",
                        "-c",
                        "echo uid=$(id -u) home=$HOME; touch /workspace/x && echo workspace-writable"));
                run(List.of(
                        "/bin/sh",
                        "-c",
                        "ls -l /etc/ssl/certs/ca-certificates.crt | cut -c1-10; cat /etc/resolv.conf"));
                if (Files.exists(Path.of("/usr/bin/claude"))) {
                    long t0 = System.nanoTime();
                    run(List.of("/usr/bin/claude", "--version"));
                    System.out.println("voidbox-placeholder: claude --version took "
                            + (System.nanoTime() - t0) / 1_000_000 + " ms");
                }
            }
            default -> {}
        }
    }

    private static void run(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        for (String l : out.split("\n")) System.out.println("voidbox-placeholder: [" + argv.getFirst() + "] " + l);
        System.out.println("voidbox-placeholder: [" + argv.getFirst() + "] exit " + (done ? p.exitValue() : "timeout"));
    }

    private static String arg(String cmdline, String key, String dflt) {
        for (String w : cmdline.split("\\s+")) if (w.startsWith(key + "=")) return w.substring(key.length() + 1);
        return dflt;
    }
}
