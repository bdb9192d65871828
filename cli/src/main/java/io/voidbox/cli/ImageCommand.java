package io.voidbox.cli;

import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.image.GuestImageCache;
import io.voidbox.spi.SandboxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The guest image cache: build (also done on demand by {@code run}), list, clean. */
@Command(
        name = "image",
        description = "Build, list or clean the cached micro-VM guest images.",
        subcommands = {ImageCommand.Build.class, ImageCommand.ListImages.class, ImageCommand.Clean.class})
final class ImageCommand extends CommandGroup {
    @Command(
            name = "build",
            description =
                    "Build (or reuse) the guest image: Debian cloud kernel, busybox initramfs, jlinked JRE, guest agent, Claude Code.")
    static final class Build implements Callable<Integer> {
        @Override
        public Integer call() {
            VmSandboxProvider vm = new VmSandboxProvider(
                    () -> {
                        try {
                            return ClaudeCodeInstaller.defaults().ensureInstalled();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    },
                    m -> System.err.println("voidbox: " + m));
            try {
                GuestImage image = vm.image();
                System.out.println(image.id() + " " + image.dir());
                return VoidboxCommand.EXIT_OK;
            } catch (SandboxException e) {
                System.err.println("voidbox: " + e.getMessage());
                return VoidboxCommand.EXIT_FAILED;
            }
        }
    }

    @Command(name = "list", description = "List cached guest images.")
    static final class ListImages implements Callable<Integer> {
        @Override
        public Integer call() throws IOException {
            var images = GuestImageCache.defaults().list();
            if (images.isEmpty())
                System.err.println(
                        "no guest images in " + GuestImageCache.defaults().imagesDir());
            for (GuestImage g : images)
                System.out.printf(
                        "%s  %5d MB  %-8s kernel %s  claude=%s  %s%n",
                        g.id(),
                        g.sizeBytes() >> 20,
                        g.rootFsType(),
                        g.kernelVersion(),
                        g.hasClaude() ? "yes" : "no",
                        g.createdAt());
            return VoidboxCommand.EXIT_OK;
        }
    }

    @Command(name = "clean", description = "Remove cached guest images.")
    static final class Clean implements Callable<Integer> {
        @Option(names = "--downloads", description = "Also remove the downloaded Debian packages.")
        boolean downloads;

        @Override
        public Integer call() throws IOException {
            System.out.println("freed " + (GuestImageCache.defaults().clean(downloads) >> 20) + " MB");
            return VoidboxCommand.EXIT_OK;
        }
    }
}
