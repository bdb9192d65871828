package io.voidbox.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns "run argv as user X" into a command line with a privilege-dropping wrapper
 * ({@code setpriv}, busybox {@code chpst}/{@code setuidgid}, or a configured template). Never
 * falls back to running as root when the user cannot be switched to.
 */
final class UserSwitch {
    record Account(String name, int uid, int gid, String home) {}

    record Prepared(List<String> command, Map<String, String> env) {}

    private static final List<List<String>> CANDIDATES = List.of(
            List.of("setpriv", "--reuid={uid}", "--regid={gid}", "--init-groups", "--"),
            List.of("chpst", "-u", "{user}"),
            List.of("setuidgid", "{user}"));

    private final Path passwdFile;
    private final List<String> configured;

    UserSwitch(Path passwdFile, List<String> configuredWrapper) {
        this.passwdFile = passwdFile;
        this.configured = configuredWrapper;
    }

    /** The command to start and the environment additions (HOME, USER, LOGNAME) for {@code user}. */
    Prepared prepare(String user, List<String> argv) throws ExecSetupException {
        if (user == null || user.isBlank() || user.equals("root") || user.equals("0"))
            return new Prepared(argv, Map.of());
        Account account = lookup(user)
                .orElseThrow(() -> new ExecSetupException("unknown user '" + user + "' (not in " + passwdFile + ")"));
        var env = Map.of("HOME", account.home(), "USER", account.name(), "LOGNAME", account.name());
        if (account.uid() == 0) return new Prepared(argv, env);
        List<String> template = configured != null
                ? configured
                : detect().orElseThrow(() -> new ExecSetupException("cannot run as user '" + user
                        + "': no setpriv, chpst or setuidgid on PATH; set " + GuestConfig.KEY_USER_WRAPPER));
        if (configured != null && Executables.find(template.getFirst()).isEmpty()) {
            throw new ExecSetupException(
                    "cannot run as user '" + user + "': wrapper '" + template.getFirst() + "' not found on PATH");
        }
        List<String> command = new ArrayList<>();
        for (String t : template) {
            command.add(t.replace("{uid}", Integer.toString(account.uid()))
                    .replace("{gid}", Integer.toString(account.gid()))
                    .replace("{user}", account.name())
                    .replace("{home}", account.home()));
        }
        command.addAll(argv);
        return new Prepared(command, env);
    }

    Optional<Account> lookup(String user) throws ExecSetupException {
        List<String> lines;
        try {
            lines = Files.readAllLines(passwdFile);
        } catch (IOException e) {
            throw new ExecSetupException(
                    "cannot read " + passwdFile + " to look up user '" + user + "': " + e.getMessage());
        }
        for (String line : lines) {
            String[] f = line.split(":", -1);
            if (f.length < 7) continue;
            if (f[0].equals(user) || f[2].equals(user)) {
                try {
                    return Optional.of(new Account(
                            f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[5].isEmpty() ? "/" : f[5]));
                } catch (NumberFormatException e) {
                    throw new ExecSetupException(passwdFile + ": bad uid/gid in entry for '" + f[0] + "'");
                }
            }
        }
        return Optional.empty();
    }

    /** First available wrapper; busybox's setpriv lacks --reuid, so a setpriv that is busybox is skipped. */
    static Optional<List<String>> detect() {
        for (List<String> candidate : CANDIDATES) {
            Optional<Path> exe = Executables.find(candidate.getFirst());
            if (exe.isEmpty()) continue;
            if (candidate.getFirst().equals("setpriv") && Executables.isBusybox(exe.get())) continue;
            // the absolute path: busybox setsid prefers its own applets over PATH for a bare name
            List<String> resolved = new ArrayList<>(candidate);
            resolved.set(0, exe.get().toString());
            return Optional.of(List.copyOf(resolved));
        }
        return Optional.empty();
    }
}
