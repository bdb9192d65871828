package io.voidbox.cli;

import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.sandbox.namespace.NamespaceSandboxProvider;
import io.voidbox.sandbox.vm.VmHostCheck;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.image.GuestImageCache;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Tells what this machine can run and why: Java, the pinned Claude Code, QEMU, whether KVM can
 * really boot a guest here (a trial boot, not just an open {@code /dev/kvm}), TCG, the image cache,
 * and which accelerator runs use: both trial timings and whether that decision is the cached one.
 */
@Command(
        name = "doctor",
        description = "Report which sandbox backends and which acceleration (KVM/TCG) work on this machine, and why.")
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--no-boot", description = "Skip the trial boots (faster, less certain).")
    boolean noBoot;

    @Option(
            names = "--refresh",
            description =
                    "Measure the accelerator again (KVM and TCG trial boots) instead of using the cached decision.")
    boolean refresh;

    @Override
    public Integer call() throws Exception {
        System.out.println("java: " + Runtime.version() + " (" + System.getProperty("java.home") + ")");
        var claude = ClaudeCodeInstaller.defaults();
        System.out.println("claude-code: "
                + claude.installed()
                        .map(p -> ClaudeCodeInstaller.VERSION + " at " + p)
                        .orElse("not installed yet (installed on first run, or scripts/install-claude-code.sh)"));
        Optional<GuestImage> image =
                GuestImageCache.defaults().list().stream().max(Comparator.comparing(GuestImage::createdAt));
        System.out.println("guest image: "
                + image.map(i -> i.id() + " (kernel " + i.kernelVersion() + ", " + (i.sizeBytes() >> 20)
                                + " MB, claude " + (i.hasClaude() ? "yes" : "no") + ")")
                        .orElse("none built yet (voidbox image build)"));
        VmHostCheck vm = VmHostCheck.run(image, !noBoot, refresh, w -> System.out.println("warning: " + w));
        vm.lines().forEach(System.out::println);
        Optional<String> namespace =
                new NamespaceSandboxProvider(() -> Path.of("/bin/true"), System.getenv()).unavailableReason();
        System.out.println("namespace: "
                + namespace
                        .map(why -> "unavailable: " + why)
                        .orElse("works (bubblewrap, unprivileged user namespaces)"));
        System.out.println("backend auto: "
                + (vm.runsVms()
                        ? "vm (" + vm.accel() + ")"
                        : namespace.isEmpty()
                                ? "namespace (no micro-VM can run here)"
                                : "nothing (install QEMU or bubblewrap; local runs only when asked for by name)"));
        return VoidboxCommand.EXIT_OK;
    }
}
