package io.voidbox.cli;

import io.voidbox.sandbox.vm.VmSnapshots;
import java.io.IOException;
import picocli.CommandLine.Command;

/**
 * The micro-VM snapshots beside the image cache (taken and used by {@code run} on its own): list,
 * clean. The subcommands take no options, so they are picocli command methods.
 */
@Command(name = "snapshot", description = "List or clean the micro-VM snapshots boxes are restored from.")
final class SnapshotCommand extends CommandGroup {
    @Command(name = "list", description = "List the snapshots: key, size, when taken, and the machine shape.")
    int list() throws IOException {
        VmSnapshots snapshots = VmSnapshots.defaults();
        var all = snapshots.list();
        if (all.isEmpty()) System.err.println("no snapshots in " + snapshots.dir());
        for (VmSnapshots.Entry e : all)
            System.out.printf("%s  %5d MB  %s  %s%n", e.key(), e.bytes() >> 20, e.created(), e.description());
        if (!VmSnapshots.enabled())
            System.err.println("snapshots are switched off (voidbox.snapshots / VOIDBOX_SNAPSHOTS)");
        return VoidboxCommand.EXIT_OK;
    }

    @Command(
            name = "clean",
            description = "Remove all snapshots (the next box of each shape boots cold and saves a new one).")
    int clean() throws IOException {
        System.out.println("freed " + (VmSnapshots.defaults().clean() >> 20) + " MB");
        return VoidboxCommand.EXIT_OK;
    }
}
