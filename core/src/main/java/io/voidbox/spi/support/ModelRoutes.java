package io.voidbox.spi.support;

import io.voidbox.spi.LlmResolver;
import io.voidbox.spi.support.CredentialProxy.Auth;
import io.voidbox.spi.support.CredentialProxy.Counted;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every agent's {@link LlmResolver} needs to keep keys on the host: one
 * {@link CredentialProxy} per resolver (started on first use, closed with it), each resolved box's
 * routes under one {@link LlmResolver.Resolved#routeKey() route key}, the host-counted usage of a
 * box, and the secrets to redact (the keys read, the tokens issued).
 */
public final class ModelRoutes implements AutoCloseable {
    /** What a box's agent is given: a base URL on the proxy and its token in place of the key. */
    public record Endpoint(String baseUrl, String token, String proxyRoute) {
        @Override
        public String toString() {
            return "Endpoint[" + baseUrl + "]";
        }
    }

    private record Entry(String proxyRoute, Runnable onRelease) {}

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Set<String> secrets = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private CredentialProxy proxy;

    /** A real key (or token) read from the environment: never shown in events or logs. */
    public void secret(String value) {
        if (value != null && !value.isBlank()) secrets.add(value);
    }

    /**
     * A proxy route to {@code upstream} (as the host reaches it) that adds {@code key} ({@code null}:
     * none) the way {@code auth} says; the box reaches it at {@code hostAddress}.
     */
    public Endpoint proxied(URI upstream, Auth auth, String key, String hostAddress) {
        CredentialProxy p = proxy();
        CredentialProxy.Grant grant = p.register(upstream, auth, key);
        secrets.add(grant.token());
        return new Endpoint(p.baseUrl(hostAddress, grant.route()), grant.token(), grant.route());
    }

    /**
     * A route key for one resolved box, with its proxy route ({@code null}: none) and what to undo
     * when it is released (e.g. a scripted route; {@code null}: nothing).
     */
    public String open(String proxyRoute, Runnable onRelease) {
        String key = "m" + ids.incrementAndGet();
        entries.put(key, new Entry(proxyRoute, onRelease == null ? () -> {} : onRelease));
        return key;
    }

    /** The tokens the proxy counted for {@code routeKey}; empty when its calls do not pass the proxy. */
    public synchronized Optional<Counted> counted(String routeKey) {
        Entry e = routeKey == null ? null : entries.get(routeKey);
        if (e == null || e.proxyRoute() == null || proxy == null) return Optional.empty();
        return Optional.of(proxy.counted(e.proxyRoute()));
    }

    /** Ends the routes of {@code routeKey}: its token is refused from now on. */
    public synchronized void release(String routeKey) {
        Entry e = routeKey == null ? null : entries.remove(routeKey);
        if (e == null) return;
        if (e.proxyRoute() != null && proxy != null) proxy.unregister(e.proxyRoute());
        e.onRelease().run();
    }

    /** Every key read and token issued so far. */
    public Set<String> secrets() {
        return Set.copyOf(secrets);
    }

    private synchronized CredentialProxy proxy() {
        if (proxy == null) {
            try {
                proxy = CredentialProxy.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the credential proxy: " + e.getMessage(), e);
            }
        }
        return proxy;
    }

    @Override
    public synchronized void close() {
        if (proxy != null) proxy.close();
        proxy = null;
        entries.clear();
    }
}
