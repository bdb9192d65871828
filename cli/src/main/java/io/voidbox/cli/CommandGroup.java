package io.voidbox.cli;

import picocli.CommandLine;

/** A command that only groups subcommands: called on its own, it prints its usage (to stderr). */
abstract class CommandGroup implements Runnable {
    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
