package io.voidbox.spi.support;

import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.spi.LlmResolver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
    /** What this resolver started on first use (e.g. the scripted model server), closed with it. */
    private final List<OnFirstUse<?>> started = new CopyOnWriteArrayList<>();

    protected RoutedLlmResolver(Map<String, String> environment, Consumer<String> notice) {
        this.environment = Map.copyOf(environment);
        this.notice = notice;
    }

    /** Says {@code message} once per resolver (e.g. that the offline scripted model stands in). */
    protected void noticeOnce(String message) {
        if (noticed.compareAndSet(false, true)) notice.accept(message);
    }

    /**
     * The box's provider: the one it names, else {@code withKey} when the key variable
     * {@code keyVar} is set, else the offline scripted model, said once with {@code withoutKey}.
     */
    protected Provider provider(LlmConfig llm, String keyVar, Provider withKey, String withoutKey) {
        return llm.provider().orElseGet(() -> {
            if (ApiKeys.find(environment, keyVar).isPresent()) return withKey;
            noticeOnce(withoutKey);
            return Provider.SCRIPTED;
        });
    }

    /**
     * {@code start} run by the first box that needs it (later calls get the same value) and
     * closed with this resolver (a box after that starts it again).
     */
    protected <T extends AutoCloseable> Supplier<T> onFirstUse(Supplier<T> start) {
        OnFirstUse<T> once = new OnFirstUse<>(start);
        started.add(once);
        return once;
    }

    private static final class OnFirstUse<T extends AutoCloseable> implements Supplier<T>, AutoCloseable {
        private final Supplier<T> start;
        private T value;

        OnFirstUse(Supplier<T> start) {
            this.start = start;
        }

        @Override
        public synchronized T get() {
            if (value == null) value = start.get();
            return value;
        }

        @Override
        public synchronized void close() throws Exception {
            if (value != null) value.close();
            value = null;
        }
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
        for (OnFirstUse<?> once : started) {
            try {
                once.close();
            } catch (Exception e) {
                notice.accept("cannot stop what the model resolver started: " + e.getMessage());
            }
        }
    }
}
