package io.voidbox.spi.support;

/**
 * Where a backend connects an allowed destination on the host. A test hook ({@value #HOSTS_PROPERTY},
 * {@code name=address,...}) maps names before DNS, so a test can allow {@code *.vbx.test} and reach
 * a host loopback service by such a name; otherwise the JDK resolves the name.
 */
public final class AllowedTargets {
    public static final String HOSTS_PROPERTY = "voidbox.net.hosts";

    private AllowedTargets() {}

    /** {@code host} as the {@link #HOSTS_PROPERTY} test hook maps it, else unchanged. */
    public static String address(String host) {
        String hosts = System.getProperty(HOSTS_PROPERTY, "");
        for (String entry : hosts.split(",")) {
            int eq = entry.indexOf('=');
            if (eq > 0 && entry.substring(0, eq).strip().equalsIgnoreCase(host))
                return entry.substring(eq + 1).strip();
        }
        return host;
    }
}
