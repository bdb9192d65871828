package io.voidbox.sandbox.vm.image;

import io.voidbox.sandbox.vm.internal.HostCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks kernel modules out of an unpacked kernel package and orders them so each comes after its
 * dependencies. Debian's .deb ships no {@code modules.dep} (depmod runs at install time), so the
 * dependencies are read from each module's {@code .modinfo} section ({@code depends=a,b}).
 */
final class KernelModules {
    /** A module file in load order; {@code compression} is "", "xz" or "zst". */
    record Module(String name, Path file, String compression) {}

    private final Path moduleRoot;
    private final Set<String> builtin;
    private final Map<String, Path> index = new HashMap<>();

    KernelModules(Path moduleRoot) throws IOException {
        this.moduleRoot = moduleRoot;
        Path builtinFile = moduleRoot.resolve("modules.builtin");
        this.builtin = new HashSet<>();
        if (Files.exists(builtinFile)) {
            for (String line : Files.readAllLines(builtinFile)) {
                String f = line.substring(line.lastIndexOf('/') + 1);
                builtin.add(canonical(f.replaceAll("\\.ko$", "")));
            }
        }
        try (var walk = Files.walk(moduleRoot.resolve("kernel"))) {
            walk.filter(p -> p.getFileName().toString().matches(".*\\.ko(\\.xz|\\.zst)?$"))
                    .forEach(p -> index.put(
                            canonical(p.getFileName().toString().replaceAll("\\.ko(\\.xz|\\.zst)?$", "")), p));
        }
    }

    /** True when the kernel has this driver built in (nothing to load). */
    boolean isBuiltin(String name) {
        return builtin.contains(canonical(name));
    }

    /** The wanted modules plus their dependencies, dependencies first; built-in ones are skipped. */
    List<Module> resolve(List<String> wanted) throws IOException {
        LinkedHashMap<String, Module> ordered = new LinkedHashMap<>();
        for (String w : wanted) visit(canonical(w), ordered, new HashSet<>(), w);
        return new ArrayList<>(ordered.values());
    }

    private void visit(String name, LinkedHashMap<String, Module> ordered, Set<String> stack, String requestedBy)
            throws IOException {
        if (ordered.containsKey(name) || builtin.contains(name)) return;
        if (!stack.add(name)) throw new IOException("module dependency cycle at " + name);
        Path file = index.get(name);
        if (file == null) {
            throw new IOException("kernel module '" + name + "' (needed by " + requestedBy
                    + ") is neither built in nor present under " + moduleRoot);
        }
        String compression =
                file.toString().endsWith(".xz") ? "xz" : file.toString().endsWith(".zst") ? "zst" : "";
        byte[] bytes = compression.isEmpty() ? Files.readAllBytes(file) : decompress(file, compression);
        for (String dep : depends(bytes)) visit(canonical(dep), ordered, stack, name);
        stack.remove(name);
        ordered.put(name, new Module(name, file, compression));
    }

    /** Module bytes ready for busybox insmod (which cannot read compressed modules). */
    static byte[] load(Module m) throws IOException {
        return m.compression().isEmpty() ? Files.readAllBytes(m.file()) : decompress(m.file(), m.compression());
    }

    private static byte[] decompress(Path file, String compression) throws IOException {
        String tool = compression.equals("xz") ? "xz" : "zstd";
        Path bin = HostCommand.require(tool, compression.equals("xz") ? "xz-utils" : "zstd");
        try {
            Process p = new ProcessBuilder(bin.toString(), "-dc", file.toString())
                    .redirectErrorStream(false)
                    .start();
            byte[] out = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) throw new IOException(tool + " -dc " + file + " failed");
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while decompressing " + file, e);
        }
    }

    /** The {@code depends=} entry of the .modinfo section (NUL-separated key=value strings). */
    static List<String> depends(byte[] module) {
        byte[] key = "depends=".getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + key.length < module.length; i++) {
            if (i > 0 && module[i - 1] != 0) continue;
            for (int k = 0; k < key.length; k++) if (module[i + k] != key[k]) continue outer;
            int end = i + key.length;
            while (end < module.length && module[end] != 0) end++;
            String v = new String(module, i + key.length, end - i - key.length, StandardCharsets.US_ASCII);
            return v.isBlank() ? List.of() : List.of(v.split(","));
        }
        return List.of();
    }

    /** Module names treat '-' and '_' alike. */
    static String canonical(String name) {
        return name.replace('-', '_');
    }
}
