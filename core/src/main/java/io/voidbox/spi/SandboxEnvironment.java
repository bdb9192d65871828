package io.voidbox.spi;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Facts about the inside of a started sandbox.
 *
 * @param backend        {@code vm}, {@code namespace} or {@code local}, reported truthfully in events and spans
 * @param accel          {@code kvm} or {@code tcg} for the VM backend, empty for local
 * @param workspace      absolute workspace path as seen by the agent
 * @param hostAddress    address under which the host's loopback services (scripted model)
 *                       are reachable from inside ({@code 127.0.0.1} locally and in a namespace box,
 *                       which forwards its model ports to the host; the gateway in a VM)
 * @param claudeExecutable absolute path of the Claude Code CLI inside the sandbox
 * @param homeDir        writable home for the agent (config dir lives below it)
 * @param guestKernel    {@code uname -r} of the guest, empty for local
 */
public record SandboxEnvironment(
        String backend,
        Optional<String> accel,
        String workspace,
        String hostAddress,
        String claudeExecutable,
        String homeDir,
        Optional<String> guestKernel) {

    /** {@code url} as the agent inside reaches it: a loopback URL of the host goes through {@link #hostAddress()} (the VM gateway). */
    public String reachable(String url) {
        String host = URI.create(url).getHost();
        if (hostAddress.startsWith("127.")) return url; // the agent runs on the host itself
        if (host == null || !(host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"))) return url;
        return url.replaceFirst("://" + Pattern.quote(host), "://" + hostAddress);
    }
}
