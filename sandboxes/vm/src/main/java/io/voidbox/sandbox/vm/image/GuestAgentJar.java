package io.voidbox.sandbox.vm.image;

import io.voidbox.protocol.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Packs the guest agent (packages {@code io.voidbox.guest} and {@code io.voidbox.protocol}) from
 * this JVM's own classpath into one jar for the guest image, whatever the classpath looks like
 * (Maven's class directories in tests, the CLI's shaded jar for users). Entries are sorted and
 * time-stamped 0, so the same classes always give the same bytes and the image cache hits.
 */
final class GuestAgentJar {
    static final String MAIN_CLASS = GuestImageConfig.DEFAULT_MAIN_CLASS;
    private static final String[] PACKAGES = {"io/voidbox/guest/", "io/voidbox/protocol/"};

    private GuestAgentJar() {}

    /** Empty when the guest agent is not on the classpath (the runtime was packaged without it). */
    static Optional<Path> write(Path out) throws IOException {
        Class<?> agent;
        try {
            agent = Class.forName(MAIN_CLASS, false, GuestAgentJar.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return Optional.empty();
        }
        Map<String, byte[]> entries = new TreeMap<>();
        collect(codeSource(agent), entries);
        collect(codeSource(Message.class), entries);
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, MAIN_CLASS);
        Files.createDirectories(out.getParent());
        Path tmp = Files.createTempFile(out.getParent(), "guest-agent", ".jar");
        try (OutputStream o = Files.newOutputStream(tmp);
                JarOutputStream j = new JarOutputStream(o)) {
            JarEntry m = new JarEntry(JarFile.MANIFEST_NAME);
            m.setLastModifiedTime(FileTime.fromMillis(0));
            j.putNextEntry(m);
            mf.write(j);
            j.closeEntry();
            for (var e : entries.entrySet()) {
                JarEntry je = new JarEntry(e.getKey());
                je.setLastModifiedTime(FileTime.fromMillis(0));
                j.putNextEntry(je);
                j.write(e.getValue());
                j.closeEntry();
            }
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Optional.of(out);
    }

    private static Path codeSource(Class<?> c) throws IOException {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IOException("cannot locate the classes of " + c.getName(), e);
        }
    }

    private static boolean wanted(String name) {
        if (!name.endsWith(".class")) return false;
        for (String p : PACKAGES) if (name.startsWith(p)) return true;
        return false;
    }

    private static void collect(Path source, Map<String, byte[]> entries) throws IOException {
        if (Files.isDirectory(source)) {
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path f : walk.filter(Files::isRegularFile).toList()) {
                    String name = source.relativize(f).toString().replace('\\', '/');
                    if (wanted(name)) entries.put(name, Files.readAllBytes(f));
                }
            }
            return;
        }
        try (JarFile jar = new JarFile(source.toFile())) {
            for (var it = jar.entries(); it.hasMoreElements(); ) {
                JarEntry e = it.nextElement();
                if (e.isDirectory() || !wanted(e.getName())) continue;
                try (InputStream in = jar.getInputStream(e)) {
                    entries.put(e.getName(), in.readAllBytes());
                }
            }
        }
    }
}
