package io.voidbox.guest;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** PATH lookup for the helper tools the agent runs (setsid, setpriv, mount). */
final class Executables {
    private Executables() {}

    static Optional<Path> find(String name) {
        if (name.contains("/")) {
            Path p = Path.of(name);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path =
                System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    static boolean isBusybox(Path exe) {
        try {
            return exe.toRealPath().getFileName().toString().startsWith("busybox");
        } catch (IOException e) {
            return false;
        }
    }
}
