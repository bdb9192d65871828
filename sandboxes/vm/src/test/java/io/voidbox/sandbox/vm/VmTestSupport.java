package io.voidbox.sandbox.vm;

import io.voidbox.agent.claude.ClaudeCli;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.image.GuestImageCache;
import io.voidbox.sandbox.vm.image.GuestImageConfig;
import io.voidbox.sandbox.vm.internal.Accel;
import io.voidbox.sandbox.vm.internal.AccelProbe;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * JUnit support for tests that boot real VMs. Such tests are annotated {@link VmTest}; they are
 * skipped (with the reason) only when QEMU is not installed or VM tests are switched off
 * ({@code -Dvoidbox.vmTests=false}), and they receive a shared {@link Env} (QEMU, a test guest
 * image with {@link PlaceholderAgent}, the accelerator). At the end of the run one line reports
 * {@code VM tests: N ran (accel=tcg), M skipped (reason)}.
 *
 * <p>The image is built once per run (lazily, in the root store) and cached on disk by content
 * hash, so later runs reuse it.
 */
public final class VmTestSupport implements ExecutionCondition, TestWatcher, ParameterResolver {

    /** Marks a test that boots a VM. */
    @Target({ElementType.METHOD, ElementType.TYPE})
    @Retention(RetentionPolicy.RUNTIME)
    @Tag("vm")
    @ExtendWith(VmTestSupport.class)
    public @interface VmTest {}

    /** What VM tests get: the QEMU binary, the shared test image and the accelerator to use. */
    public record Env(Path qemu, GuestImage image, Accel accel) {}

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(VmTestSupport.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Counts counts = counts(context);
        // Decided per method (a disabled class would hide its methods from the count).
        if (context.getTestMethod().isEmpty()) return ConditionEvaluationResult.enabled("decided per test");
        Optional<String> skip = skipReason();
        if (skip.isPresent()) {
            counts.skipped(skip.get());
            return ConditionEvaluationResult.disabled(skip.get());
        }
        return ConditionEvaluationResult.enabled("qemu-system-x86_64 present");
    }

    static Optional<String> skipReason() {
        if ("false".equals(System.getProperty("voidbox.vmTests")))
            return Optional.of("VM tests switched off with -Dvoidbox.vmTests=false");
        if (AccelProbe.findQemu().isEmpty()) {
            return Optional.of(
                    "qemu-system-x86_64 not installed (apt-get install -y qemu-system-x86, or scripts/install-vm-deps.sh)");
        }
        return Optional.empty();
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        counts(context).ran.incrementAndGet();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        counts(context).ran.incrementAndGet();
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        counts(context).skipped(String.valueOf(cause.getMessage()));
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == Env.class || p.getParameter().getType() == VmSandboxProvider.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        if (p.getParameter().getType() == VmSandboxProvider.class)
            // the real backend: real guest agent and Claude Code in the image, built once per run (cached on disk)
            return e.getRoot()
                    .getStore(NS)
                    .getOrComputeIfAbsent(
                            VmSandboxProvider.class,
                            // without snapshots: these tests look at cold boots (SnapshotRestoreVmTest covers restores)
                            k -> new VmSandboxProvider(
                                    ClaudeCli::binary,
                                    s -> System.out.println("[vm-test] " + s),
                                    GuestImageCache::defaults,
                                    null),
                            VmSandboxProvider.class);
        return e.getRoot().getStore(NS).getOrComputeIfAbsent(Env.class, k -> createEnv(), Env.class);
    }

    private static Counts counts(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent(Counts.class, k -> new Counts(), Counts.class);
    }

    private static Env createEnv() {
        try {
            Path qemu = AccelProbe.findQemu().orElseThrow();
            Path jar = placeholderJar();
            GuestImageConfig config = GuestImageConfig.forAgent(List.of(jar), PlaceholderAgent.class.getName());
            GuestImage image = GuestImageCache.defaults().build(config, s -> System.out.println("[vm-test] " + s));
            System.out.println(
                    "[vm-test] image " + image.id() + " kernel " + image.kernelVersion() + " at " + image.dir());
            // VM tests always run under TCG: it works everywhere QEMU does (KVM hangs on our nested hosts,
            // docs/kvm.md).
            return new Env(qemu, image, Accel.TCG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Packs PlaceholderAgent into a jar with fixed timestamps, so the image hash is stable across runs. */
    static Path placeholderJar() throws IOException {
        String resource = PlaceholderAgent.class.getName().replace('.', '/') + ".class";
        Path classes = Path.of(PlaceholderAgent.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .getPath());
        Path jar = classes.getParent().resolve("vm-test").resolve("placeholder-agent.jar");
        Files.createDirectories(jar.getParent());
        try (OutputStream o = Files.newOutputStream(jar);
                JarOutputStream j = new JarOutputStream(o)) {
            JarEntry e = new JarEntry(resource);
            e.setLastModifiedTime(FileTime.fromMillis(0));
            j.putNextEntry(e);
            j.write(Files.readAllBytes(classes.resolve(resource)));
            j.closeEntry();
        }
        return jar;
    }

    /** Per-run counters; printed when the root context closes (end of the test run). */
    @SuppressWarnings("deprecation")
    static final class Counts implements ExtensionContext.Store.CloseableResource {
        final AtomicInteger ran = new AtomicInteger();
        final Map<String, AtomicInteger> skipped = new ConcurrentHashMap<>();

        void skipped(String reason) {
            skipped.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void close() {
            int s = skipped.values().stream().mapToInt(AtomicInteger::get).sum();
            StringBuilder line = new StringBuilder("VM tests: " + ran.get() + " ran (accel=tcg), " + s + " skipped");
            if (s > 0)
                line.append(" (")
                        .append(String.join("; ", new TreeMap<>(skipped).keySet()))
                        .append(')');
            System.out.println(line);
        }
    }
}
