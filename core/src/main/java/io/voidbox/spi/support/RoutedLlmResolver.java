package io.voidbox.spi.support;

import io.voidbox.spi.LlmResolver;
import java.util.Optional;
import java.util.Set;

/**
 * The part every agent's {@link LlmResolver} shares once its boxes reach their model through the
 * host: the {@link ModelRoutes} it resolves into, and from them each box's host-counted usage, the
 * secrets to redact, and the release of a box's routes. Subclasses only map a box's LLM
 * configuration to their CLI's environment.
 */
public abstract class RoutedLlmResolver implements LlmResolver {
    /** The routes of this resolver's boxes (one credential proxy, closed with the resolver). */
    protected final ModelRoutes routes = new ModelRoutes();

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
