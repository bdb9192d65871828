package io.voidbox.sandbox.namespace.internal;

import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A box's staging directory on the host: {@code workspace/} (the box user's), {@code run/} (the
 * model sockets) and the seccomp program. The directory itself is traversable, not listable, by
 * the box's user, who reaches its workspace and sockets below it; its name carries the owner's pid,
 * so what a killed JVM left behind can be told apart.
 */
record Staging(Path root, Path workspace, Path run, Path seccomp) {
    static Staging create(String name, SandboxUser user) throws IOException {
        Path root = Files.createTempDirectory(
                "voidbox-ns-" + ProcessHandle.current().pid() + "-" + name + "-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        Path workspace = Files.createDirectories(root.resolve("workspace"));
        user.own(workspace);
        Path run = Files.createDirectories(root.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path seccomp = Files.write(root.resolve("seccomp.bpf"), SeccompFilter.program());
        return new Staging(root, workspace, run, seccomp);
    }
}
