package io.voidbox.sandbox.vm.internal;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.image.GuestImageCache;
import io.voidbox.sandbox.vm.internal.AccelTrials.Measurement;
import io.voidbox.sandbox.vm.internal.AccelTrials.Trial;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The {@code accel: auto} decision of this host, on disk, so that no run pays for a trial boot
 * that an earlier one made: {@code accel.json} in the voidbox data directory, beside
 * {@code images/}. It holds one decision and the {@link HostKey} it was measured for; a changed
 * host kernel, CPU model, QEMU version or guest kernel makes it stale. A file that cannot be read
 * is ignored with one warning (and measured again); writes are atomic (temp file, then rename), so
 * concurrent runs see the old or the new decision, never half of one.
 */
public final class AccelCache {
    /** The file name in the data directory. */
    public static final String FILE = "accel.json";

    static final int FORMAT = 1;

    /**
     * What a decision depends on.
     *
     * @param hostKernel  the host's kernel release ({@code /proc/sys/kernel/osrelease})
     * @param cpuModel    the first {@code model name} of {@code /proc/cpuinfo}
     * @param qemuVersion the first line of {@code qemu-system-x86_64 --version}
     * @param guestKernel the guest kernel's release and the hash prefix of its file
     */
    public record HostKey(String hostKernel, String cpuModel, String qemuVersion, String guestKernel) {
        /** This host, {@code qemuVersion} and {@code image}'s kernel. */
        public static HostKey of(String qemuVersion, GuestImage image) throws IOException {
            return new HostKey(
                    firstLine(Path.of("/proc/sys/kernel/osrelease")),
                    readCpuModel(Path.of("/proc/cpuinfo")),
                    qemuVersion,
                    image.kernelVersion() + " " + sha256Prefix(image.kernel()));
        }

        /** What differs from {@code cached}, e.g. {@code qemu version changed}; empty when equal. */
        public List<String> changesFrom(HostKey cached) {
            List<String> c = new ArrayList<>();
            if (!Objects.equals(hostKernel, cached.hostKernel)) c.add("host kernel changed");
            if (!Objects.equals(cpuModel, cached.cpuModel)) c.add("CPU model changed");
            if (!Objects.equals(qemuVersion, cached.qemuVersion)) c.add("QEMU version changed");
            if (!Objects.equals(guestKernel, cached.guestKernel)) c.add("guest kernel changed");
            return c;
        }
    }

    /**
     * What the cache had for a key.
     *
     * @param hit  the cached measurement when it is for this key
     * @param miss why there is none ({@code no decision cached yet}, {@code QEMU version changed}, ...)
     */
    public record Lookup(Optional<Measurement> hit, String miss) {}

    /** The file form: plain fields, so the format is readable and owned here. */
    record Entry(int format, HostKey key, String choice, Trial kvm, Trial tcg, String measuredAt) {}

    private final Path file;
    private final ObjectMapper json = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    public AccelCache(Path file) {
        this.file = Objects.requireNonNull(file);
    }

    /** {@code accel.json} in {@link GuestImageCache#defaultDataDir()}. */
    public static AccelCache defaults() {
        return new AccelCache(GuestImageCache.defaultDataDir().resolve(FILE));
    }

    public Path file() {
        return file;
    }

    /** The decision cached for {@code key}; a file that cannot be read is reported to {@code warning} once. */
    public Lookup read(HostKey key, Consumer<String> warning) {
        if (!Files.exists(file)) return new Lookup(Optional.empty(), "no decision cached yet");
        Entry e;
        Measurement m;
        try {
            e = json.readValue(file.toFile(), Entry.class);
            m = measurement(e);
        } catch (IOException | RuntimeException ex) {
            String why = ex instanceof JacksonException j ? j.getOriginalMessage() : ex.getMessage();
            warning.accept("ignoring the accelerator decision in " + file + " (" + why + "); measuring again");
            return new Lookup(Optional.empty(), "the cached decision could not be read");
        }
        List<String> changes = key.changesFrom(e.key());
        if (!changes.isEmpty()) return new Lookup(Optional.empty(), String.join(", ", changes));
        return new Lookup(Optional.of(m), "");
    }

    private static Measurement measurement(Entry e) throws IOException {
        if (e.format() != FORMAT) throw new IOException("format " + e.format() + ", expected " + FORMAT);
        if (e.key() == null || e.kvm() == null || e.tcg() == null || e.choice() == null || e.measuredAt() == null)
            throw new IOException("missing fields");
        try {
            return new Measurement(Accel.valueOf(e.choice()), e.kvm(), e.tcg(), Instant.parse(e.measuredAt()));
        } catch (IllegalArgumentException | DateTimeParseException ex) {
            throw new IOException("bad field: " + ex.getMessage(), ex);
        }
    }

    /** Replaces the cached decision, atomically. */
    public void write(HostKey key, Measurement m) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".accel-", ".json");
        try {
            json.writeValue(
                    tmp.toFile(),
                    new Entry(
                            FORMAT,
                            key,
                            m.choice().name(),
                            m.kvm(),
                            m.tcg(),
                            m.measuredAt().toString()));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String firstLine(Path p) throws IOException {
        return Files.readString(p).lines().findFirst().orElse("").strip();
    }

    private static String readCpuModel(Path cpuinfo) throws IOException {
        return Files.readString(cpuinfo)
                .lines()
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip())
                .findFirst()
                .orElse("unknown");
    }

    private static String sha256Prefix(Path f) throws IOException {
        try (InputStream in = Files.newInputStream(f)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
