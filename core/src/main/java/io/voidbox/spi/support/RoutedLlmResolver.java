package io.voidbox.spi.support;

import io.voidbox.spi.LlmResolver;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The part every agent's {@link LlmResolver} shares once its boxes reach their model through the
 * host: the {@link ModelRoutes} it resolves into, and from them each box's host-counted usage, the
 * secrets to redact, the release of a box's routes, and the notices about keys. Subclasses only
 * map a box's LLM configuration to their CLI's environment.
 */
public abstract class RoutedLlmResolver implements LlmResolver {
    /** The routes of this resolver's boxes (one credential proxy, closed with the resolver). */
    protected final ModelRoutes routes = new ModelRoutes();
    /** The host environment keys are read from (by variable name; values never logged). */
    protected final Map<String, String> environment;

    private final Consumer<String> notice;
    private final AtomicBoolean noticed = new AtomicBoolean();
    private final Set<String> optedOut = ConcurrentHashMap.newKeySet();

    protected RoutedLlmResolver(Map<String, String> environment, Consumer<String> notice) {
        this.environment = Map.copyOf(environment);
        this.notice = notice;
    }

    /** Says {@code message} once per resolver (e.g. that the offline scripted model stands in). */
    protected void noticeOnce(String message) {
        if (noticed.compareAndSet(false, true)) notice.accept(message);
    }

    /** Warns once per box that opted out of the proxy that {@code what} (a key, a token) enters it. */
    protected void warnOptedOut(String box, String what) {
        if (optedOut.add(box))
            notice.accept("box " + box + ": llm.credential_proxy: false: the " + what
                    + " enters the box, where the agent and any code it runs can read it");
    }

    @Override
    public Optional<CredentialProxy.Counted> counted(Resolved resolved) {
        return routes.counted(resolved.routeKey());
    }

    @Override
    public Set<String> secrets() {
        return routes.secrets();
    }

    @Override
    public void release(Resolved resolved) {
        routes.release(resolved.routeKey());
    }

    @Override
    public void close() {
        routes.close();
    }
}
