package io.voidbox.sandbox.vm.image;

import io.voidbox.spi.AgentPayload;
import io.voidbox.spi.support.FileTrees;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The guest images of this machine, under {@code <data dir>/images/<id>/}. The id is a prefix of
 * the hash of every build input (package versions, jars, the Claude Code binary, the init script,
 * the recipe's version), so {@link #build} is cheap when nothing changed and never reuses a stale
 * image. Concurrent builders (threads or processes) serialise on a file lock per id; an image
 * directory appears atomically (built in a temp dir, then renamed). The data dir also holds the
 * Debian package downloads and the packed guest agent.
 */
public final class GuestImageCache {
    /**
     * One kind of cache entry: the directory of the data dir its entries live in, the file that marks an entry
     * complete, and how one is read.
     */
    private record Kind<T>(String dirName, String manifest, Loader<T> loader) {
        /** Whether {@code entry} is a whole entry of this kind: it has its manifest. */
        boolean complete(Path entry) {
            return Files.exists(entry.resolve(manifest));
        }
    }

    private static final Kind<GuestImage> IMAGES = new Kind<>("images", GuestImage.MANIFEST, GuestImage::load);
    private static final Kind<ShareKernel> KERNELS = new Kind<>("kernels", ShareKernel.MANIFEST, ShareKernel::load);
    private static final Kind<AgentLayer> LAYERS = new Kind<>("layers", AgentLayer.MANIFEST, AgentLayer::load);

    private final Path dataDir;

    private GuestImageCache(Path dataDir) {
        this.dataDir = Objects.requireNonNull(dataDir);
    }

    /** The cache in {@link #defaultDataDir()}. */
    public static GuestImageCache defaults() {
        return at(defaultDataDir());
    }

    public static GuestImageCache at(Path dataDir) {
        return new GuestImageCache(dataDir);
    }

    /** {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}}. */
    public static Path defaultDataDir() {
        String explicit = System.getenv("VOIDBOX_DATA_DIR");
        if (explicit != null && !explicit.isBlank()) return Path.of(explicit);
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("voidbox");
    }

    public Path imagesDir() {
        return dir(IMAGES);
    }

    private Path dir(Kind<?> kind) {
        return dataDir.resolve(kind.dirName());
    }

    private Path downloadsDir() {
        return dataDir.resolve("downloads");
    }

    /** The cached image for {@code config}, building it first when needed; {@code progress} gets one line per step. */
    public GuestImage build(GuestImageConfig config, Consumer<String> progress)
            throws IOException, InterruptedException {
        GuestImageRecipe recipe = GuestImageRecipe.prepare(config, new DebianPackages(downloadsDir()), progress);
        String id = recipe.id();
        return cached(
                IMAGES,
                id,
                tmp -> {
                    progress.accept("building guest image " + id + " in " + tmp);
                    recipe.buildInto(tmp);
                },
                image -> progress.accept("guest image " + id + " ready at " + image.dir()));
    }

    /** Where share kernels are kept: {@code <data dir>/kernels/<id>/}. */
    public Path kernelsDir() {
        return dir(KERNELS);
    }

    /**
     * The cached {@link ShareKernel} for images whose root disk is {@code fsType}, building it first
     * when needed (a 70 MB download the first time).
     */
    public ShareKernel shareKernel(String fsType, Consumer<String> progress) throws IOException, InterruptedException {
        ShareKernelRecipe recipe = new ShareKernelRecipe(new DebianPackages(downloadsDir()), fsType);
        String id = recipe.id();
        return cached(
                KERNELS,
                id,
                tmp -> recipe.buildInto(tmp, progress),
                k -> progress.accept("share kernel " + id + " (" + k.kernelVersion() + ") ready"));
    }

    /** Where agent layers are kept: {@code <data dir>/layers/NAME-<id>/}. */
    public Path layersDir() {
        return dir(LAYERS);
    }

    /**
     * The cached layer of {@code payload}'s directory in the format {@code fsType} (the image's
     * root disk format, whose driver the guest loads), building it first when needed. Builders
     * serialise on a file lock per id and the directory appears atomically, as for images.
     */
    public AgentLayer layer(AgentPayload payload, String fsType, Consumer<String> progress)
            throws IOException, InterruptedException {
        AgentLayerRecipe recipe =
                new AgentLayerRecipe(payload.name(), payload.hostDir().get(), payload.executable(), fsType);
        String id = recipe.id();
        long t0 = System.nanoTime();
        return cached(
                LAYERS,
                id,
                tmp -> {
                    progress.accept("building agent layer " + id + " (" + fsType + ") of "
                            + payload.hostDir().get());
                    recipe.buildInto(tmp);
                },
                layer -> progress.accept(
                        "agent layer " + id + " ready at " + layer.disk().getParent() + ": " + (layer.sizeBytes() >> 20)
                                + " MB in " + (System.nanoTime() - t0) / 1_000_000 + " ms"));
    }

    /** Reads one cache entry from its directory. */
    private interface Loader<T> {
        T load(Path dir) throws IOException;
    }

    /** Builds one cache entry into an empty directory. */
    private interface Builder {
        void buildInto(Path dir) throws IOException, InterruptedException;
    }

    /**
     * The {@code kind} entry {@code id}, loaded when its manifest is there, else built:
     * builders serialise on a file lock per id, build into a temporary directory, and the entry
     * appears atomically, so a concurrent run never sees half an entry.
     */
    private <T> T cached(Kind<T> kind, String id, Builder build, Consumer<T> built)
            throws IOException, InterruptedException {
        Path dir = Files.createDirectories(dir(kind));
        Path target = dir.resolve(id);
        Loader<T> load = kind.loader();
        if (kind.complete(target)) return load.load(target);
        try (FileChannel ch = FileChannel.open(
                        dir.resolve(".lock-" + id), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lock(ch)) {
            if (kind.complete(target)) return load.load(target);
            Path tmp = Files.createTempDirectory(dir, ".build-" + id + "-");
            try {
                build.buildInto(tmp);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                FileTrees.delete(tmp);
            }
            T entry = load.load(target);
            built.accept(entry);
            return entry;
        }
    }

    /**
     * Packs the guest agent from this JVM's classpath into {@code <data dir>/guest-agent/}, for
     * {@link GuestImageConfig#forAgent}; the same classes give the same jar, so the image
     * cache still hits. The jar is named by its content: runtimes of other builds on the same host
     * pack other classes, and one of them must not swap the jar between this runtime hashing it
     * into the image id and copying it into the image.
     */
    public Path packGuestAgent() throws IOException {
        Path dir = dataDir.resolve("guest-agent");
        Path packed = dir.resolve(".pack-" + UUID.randomUUID() + ".jar");
        try {
            GuestAgentJar.write(packed)
                    .orElseThrow(() -> new IOException(
                            "the guest agent (" + GuestAgentJar.MAIN_CLASS + ") is not on the classpath"));
            Path out = dir.resolve(
                    "voidbox-guest-agent-" + GuestImageRecipe.sha256(packed).substring(0, 16) + ".jar");
            Files.move(packed, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } finally {
            Files.deleteIfExists(packed);
        }
    }

    /** Images in the cache, newest first. */
    public List<GuestImage> list() throws IOException {
        List<GuestImage> out = new ArrayList<>();
        if (!Files.isDirectory(imagesDir())) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(imagesDir())) {
            for (Path d : ds) {
                if (d.getFileName().toString().startsWith(".") || !IMAGES.complete(d)) continue;
                out.add(IMAGES.loader().load(d));
            }
        }
        out.sort((a, b) -> b.createdAt().compareTo(a.createdAt()));
        return out;
    }

    /**
     * Removes cached images and agent layers (and leftovers of interrupted builds), and the package downloads when
     * {@code includeDownloads}; returns how many bytes were freed.
     */
    public long clean(boolean includeDownloads) throws IOException {
        long freed = 0;
        for (Path entries : List.of(dir(IMAGES), dir(LAYERS), dir(KERNELS))) {
            if (!Files.isDirectory(entries)) continue;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(entries)) {
                for (Path d : ds) {
                    if (d.getFileName().toString().startsWith(".lock-")) continue;
                    freed += sizeOf(d);
                    FileTrees.delete(d);
                }
            }
        }
        Path downloads = downloadsDir();
        if (includeDownloads && Files.isDirectory(downloads)) {
            freed += sizeOf(downloads);
            FileTrees.delete(downloads);
        }
        return freed;
    }

    private static FileLock lock(FileChannel ch) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30L * 60 * 1_000_000_000L;
        while (true) {
            try {
                FileLock l = ch.tryLock();
                if (l != null) return l;
            } catch (OverlappingFileLockException e) {
                // another builder in this JVM holds it
            }
            if (System.nanoTime() > deadline)
                throw new IOException("timed out after 30 min waiting for another guest image build");
            Thread.sleep(200);
        }
    }

    /** Bytes in the regular files below {@code root}. */
    static long sizeOf(Path root) throws IOException {
        if (!Files.exists(root)) return 0;
        try (var walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }
}
