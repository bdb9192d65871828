package io.voidbox.sandbox.vm.image;

import io.voidbox.sandbox.vm.internal.HostCommand;
import io.voidbox.spi.support.FileTrees;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Fetches Debian packages with {@code apt-get download} (no root needed) into a download cache and
 * unpacks them with {@code dpkg-deb -x}. Nothing is installed on the host.
 */
final class DebianPackages {
    private final Path downloads;

    DebianPackages(Path downloads) {
        this.downloads = downloads;
    }

    /** The concrete package a metapackage depends on, e.g. linux-image-cloud-amd64 -> linux-image-6.1.0-56-cloud-amd64. */
    String resolveDependency(String metaPackage, String prefix) throws IOException, InterruptedException {
        if (metaPackage.matches(".*-\\d+\\.\\d+.*")) return metaPackage;
        String out = apt("apt-cache", "depends", metaPackage);
        for (String line : out.lines().toList()) {
            String t = line.trim();
            if (t.startsWith("Depends:")) {
                String dep = t.substring("Depends:".length()).trim();
                if (dep.startsWith(prefix)) return dep;
            }
        }
        throw new IOException("`apt-cache depends " + metaPackage + "` names no dependency starting with '" + prefix
                + "'; run `apt-get update` or pass the kernel package name explicitly");
    }

    /** The candidate version apt would download. */
    String candidateVersion(String pkg) throws IOException, InterruptedException {
        String out = apt("apt-cache", "show", "--no-all-versions", pkg);
        for (String line : out.lines().toList()) {
            if (line.startsWith("Version:"))
                return line.substring("Version:".length()).trim();
        }
        throw new IOException(
                "`apt-cache show " + pkg + "` has no Version (is the package known? run `apt-get update`)");
    }

    /** The candidate versions of several packages, asked in one {@code apt-cache} call. */
    Map<String, String> candidateVersions(List<String> pkgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("apt-cache", "show", "--no-all-versions"));
        cmd.addAll(pkgs);
        String out = apt(cmd.toArray(String[]::new));
        Map<String, String> versions = new LinkedHashMap<>();
        String pkg = null;
        for (String line : out.lines().toList()) {
            if (line.startsWith("Package:"))
                pkg = line.substring("Package:".length()).trim();
            else if (line.startsWith("Version:") && pkg != null)
                versions.putIfAbsent(pkg, line.substring("Version:".length()).trim());
        }
        for (String p : pkgs)
            if (!versions.containsKey(p))
                throw new IOException(
                        "`apt-cache show " + p + "` has no Version (is the package known? run `apt-get update`)");
        return versions;
    }

    /** The .deb of {@code pkg=version}, downloaded once into the cache. */
    Path download(String pkg, String version) throws IOException, InterruptedException {
        Files.createDirectories(downloads);
        Optional<Path> cached = findCached(pkg, version);
        if (cached.isPresent()) return cached.get();
        Path tmp = Files.createTempDirectory(downloads, ".dl-");
        try {
            HostCommand.check(
                    tmp,
                    600,
                    List.of(HostCommand.require("apt-get", "apt").toString(), "download", pkg + "=" + version));
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, "*.deb")) {
                for (Path deb : ds) {
                    Path target = downloads.resolve(deb.getFileName());
                    Files.move(deb, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    return target;
                }
            }
            throw new IOException("apt-get download " + pkg + "=" + version + " produced no .deb");
        } finally {
            FileTrees.delete(tmp);
        }
    }

    /** The unpacked contents of a .deb, extracted once next to it. */
    Path extract(Path deb) throws IOException, InterruptedException {
        Path dir = downloads.resolve(deb.getFileName().toString().replaceAll("\\.deb$", "") + ".d");
        if (Files.isDirectory(dir)) return dir;
        Path tmp = Files.createTempDirectory(downloads, ".x-");
        try {
            HostCommand.check(
                    null,
                    600,
                    List.of(HostCommand.require("dpkg-deb", "dpkg").toString(), "-x", deb.toString(), tmp.toString()));
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isDirectory(dir)) throw e;
        } finally {
            FileTrees.delete(tmp);
        }
        return dir;
    }

    private Optional<Path> findCached(String pkg, String version) throws IOException, InterruptedException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(downloads, pkg + "_*.deb")) {
            for (Path deb : ds) {
                String v = HostCommand.check(
                                null,
                                60,
                                List.of(
                                        HostCommand.require("dpkg-deb", "dpkg").toString(),
                                        "-f",
                                        deb.toString(),
                                        "Version"))
                        .trim();
                if (v.equals(version)) return Optional.of(deb);
            }
        }
        return Optional.empty();
    }

    private static String apt(String... command) throws IOException, InterruptedException {
        HostCommand.require(command[0], "apt");
        return HostCommand.check(null, 120, List.of(command));
    }
}
