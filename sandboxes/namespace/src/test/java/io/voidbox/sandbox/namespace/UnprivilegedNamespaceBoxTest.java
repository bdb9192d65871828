package io.voidbox.sandbox.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.voidbox.spi.support.SandboxUser;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A namespace box started by an unprivileged user (CI runs as root, users mostly do not): a child
 * JVM ({@link UnprivilegedBoxMain}) runs as uid {@value #UID}, so the box takes the user-namespace
 * path: its network namespace is held in a user namespace of that user, mounts are not lent, and
 * files the agent creates belong to that user. Skipped with the reason when this JVM cannot switch
 * users (not root) or namespaces are unavailable.
 */
class UnprivilegedNamespaceBoxTest {
    private static final int UID = 23456;

    @TempDir
    Path tmp;

    @Test
    void aBoxOfAnUnprivilegedUserKeepsItsMountsNetworkAndOwnership() throws Exception {
        assumeTrue(SandboxUser.currentUid() == 0, "needs root to start a JVM as another user");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path rw = Files.createDirectory(tmp.resolve("rw"));
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        Files.writeString(ro.resolve("keep.txt"), "original\n");
        Path home = Files.createDirectory(tmp.resolve("home"));
        for (Path p : List.of(rw, home)) Files.setAttribute(p, "unix:uid", UID);
        Path classpath = readableClasspath(Files.createDirectory(tmp.resolve("cp")));
        try (ServerSocket allowed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
                ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread answer = Thread.ofVirtual().start(() -> {
                try (Socket s = allowed.accept()) {
                    s.getOutputStream().write("allowed-says-hi\n".getBytes());
                } catch (IOException ignored) {
                    // test ends
                }
            });
            Path log = tmp.resolve("child.log");
            Process child = new ProcessBuilder(
                            "setpriv",
                            "--reuid=" + UID,
                            "--regid=" + UID,
                            "--clear-groups",
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            classpath + File.separator + "*" + File.pathSeparator + classpath.resolve("dirs"),
                            UnprivilegedBoxMain.class.getName(),
                            rw.toString(),
                            ro.toString(),
                            String.valueOf(allowed.getLocalPort()),
                            String.valueOf(other.getLocalPort()))
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            child.getOutputStream().close();
            boolean exited = child.waitFor(120, TimeUnit.SECONDS);
            if (!exited) child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            String out = Files.readString(log);
            assumeTrue(!out.startsWith("UNAVAILABLE"), out);
            assertThat(exited).as(out).isTrue();
            answer.join(5000);
            List<String> lines = out.lines()
                    .filter(l -> !l.contains(" INFO ") && !l.startsWith("SLF4J"))
                    .toList();
            assertThat(lines)
                    .as(out)
                    .containsSubsequence(
                            String.valueOf(UID), // the box runs as the user who started voidbox
                            "RW-OK",
                            "original",
                            "allowed-says-hi",
                            "OTHER-REFUSED",
                            "EXIT 0",
                            "NETDENIED host:" + other.getLocalPort())
                    .doesNotContain("FLUSHED")
                    .anyMatch(l -> l.contains("Read-only file system"));
            assertThat(Files.readString(rw.resolve("new.txt"))).isEqualTo("from-the-box\n");
            assertThat(Files.getAttribute(rw.resolve("new.txt"), "unix:uid")).isEqualTo(UID);
            assertThat(Files.readString(ro.resolve("keep.txt"))).isEqualTo("original\n");
        }
        assertThat(ProcessHandle.allProcesses()
                        .filter(p -> p.info().user().orElse("").equals(String.valueOf(UID))))
                .as("no process of the user is left")
                .isEmpty();
    }

    /** This JVM's class path copied where the child's user can read it (jars, and directories merged under dirs/). */
    private static Path readableClasspath(Path dir) throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) dirs.add(p);
            else if (Files.isRegularFile(p))
                Files.copy(p, dir.resolve(dirs.size() + "-" + p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        Path merged = Files.createDirectory(dir.resolve("dirs"));
        for (Path d : dirs) {
            try (Stream<Path> files = Files.walk(d)) {
                for (Path f : files.toList()) {
                    Path to = merged.resolve(d.relativize(f).toString());
                    if (Files.isDirectory(f)) Files.createDirectories(to);
                    else if (!Files.exists(to)) Files.copy(f, to);
                }
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList())
                Files.setPosixFilePermissions(
                        p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
        }
        return dir;
    }
}
