package io.voidbox.spi.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

/**
 * A stand-in {@code npm} for the installers' tests: {@code npm install --prefix DIR PKG} lays out
 * the CLI's native binary (printing a given version) under DIR, or fails like an unreachable
 * registry; every call is appended to {@link #calls()}. The real npm is used by the end-to-end tests.
 */
public record FakeNpm(Path bin, Path calls) {
    /** Writes {@code dir/bin/npm} for {@code cli}: its binary prints {@code version}; a non-zero {@code exit} fails. */
    public static FakeNpm in(Path dir, NpmInstaller.Cli cli, String version, int exit) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path calls = dir.resolve("npm-calls");
        Path npm = bin.resolve("npm");
        Files.writeString(npm, """
                #!/bin/sh
                echo "$*" >> "%s"
                if [ %d -ne 0 ]; then echo "npm ERR! registry unreachable"; exit %d; fi
                native="$3/%s"
                mkdir -p "$(dirname "$native")"
                printf '#!/bin/sh\\necho "%s"\\n' > "$native"
                chmod +x "$native"
                sleep 0.3
                """.formatted(calls, exit, exit, cli.nativeBinary(), version));
        Files.setPosixFilePermissions(npm, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new FakeNpm(bin, calls);
    }

    /** An installer of {@code cli} into {@code dir} on a linux-x64 host whose PATH is only {@code npmDir}. */
    public static NpmInstaller installer(NpmInstaller.Cli cli, Path dir, String version, Path npmDir) {
        return new NpmInstaller(cli, dir, version, host("Linux", "amd64", npmDir));
    }

    /** An installer of {@code cli} on a Mac: one it must refuse. */
    public static NpmInstaller onAMac(NpmInstaller.Cli cli, Path dir, String version) {
        return new NpmInstaller(cli, dir, version, host("Mac OS X", "aarch64", Path.of("/usr/bin")));
    }

    private static NpmInstaller.Host host(String os, String arch, Path npmDir) {
        return new NpmInstaller.Host(
                Map.of("PATH", npmDir.toString())::get, os, arch, Duration.ofSeconds(30), Duration.ofSeconds(60));
    }
}
