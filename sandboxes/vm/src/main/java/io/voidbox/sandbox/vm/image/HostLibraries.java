package io.voidbox.sandbox.vm.image;

import io.voidbox.sandbox.vm.internal.HostCommand;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's shared libraries that the guest's binaries (java, claude, bash, setpriv) link
 * against, found with {@code ldd}, and where each goes on the root disk: the guest runs them on
 * the host's own glibc.
 */
final class HostLibraries {
    private static final Pattern LDD_ARROW = Pattern.compile("^\\s*(\\S+)\\s+=>\\s+(/\\S+)\\s+\\(");
    private static final Pattern LDD_LOADER = Pattern.compile("^\\s*(/\\S*ld-linux\\S*)\\s+\\(");

    private HostLibraries() {}

    /** Host path (as ldd printed it) -> real file, for every shared library {@code elfs} need outside {@code jdkHome}. */
    static Map<String, Path> of(List<Path> elfs, Path jdkHome) throws IOException, InterruptedException {
        Map<String, Path> libs = new TreeMap<>();
        Path ldd = HostCommand.require("ldd", "libc-bin");
        for (Path elf : elfs) {
            HostCommand.Result r = HostCommand.run(null, 120, List.of(ldd.toString(), elf.toString()));
            if (r.exitCode() != 0) continue; // "not a dynamic executable": nothing to copy
            for (String line : r.output().lines().toList()) {
                Matcher m = LDD_ARROW.matcher(line);
                String path = null;
                if (m.find()) path = m.group(2);
                else {
                    Matcher l = LDD_LOADER.matcher(line);
                    if (l.find()) path = l.group(1);
                }
                if (path == null || path.startsWith(jdkHome.toString())) continue;
                libs.put(path, Path.of(path).toRealPath());
            }
        }
        if (libs.keySet().stream().noneMatch(k -> k.contains("ld-linux"))) {
            throw new IOException("ldd found no dynamic loader for " + elfs + "; is this an x86_64 glibc system?");
        }
        return libs;
    }

    /** /lib/x86_64-linux-gnu/libc.so.6 and /usr/lib/... both land in lib/ (the guest links /usr/lib to lib). */
    static String guestLibPath(String hostPath) {
        String p = hostPath.startsWith("/usr/lib/") ? hostPath.substring("/usr".length()) : hostPath;
        return p.substring(1);
    }
}
