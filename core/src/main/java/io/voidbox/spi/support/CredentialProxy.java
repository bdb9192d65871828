package io.voidbox.spi.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.voidbox.Usage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Keeps API keys out of boxes: a box's agent gets a base URL on this host-side proxy and a token
 * of its own in place of the key; the proxy checks the token, strips whatever credentials the
 * request carries, adds the real key the way the provider wants it and forwards the request,
 * streaming the answer back as it arrives (server-sent events included). While relaying it reads
 * the {@code usage} of every model response, so the tokens a box used are counted on the host and
 * can be compared with what its agent reports.
 *
 * <p>One proxy per run serves every box, each on its own route that lives as long as the box's
 * agent run; a token is random, valid only on its route and refused once the route is gone. It
 * listens on loopback, which a namespace box reaches through its forwarder and a micro-VM through
 * its tunnel.
 */
public final class CredentialProxy implements AutoCloseable {
    static final int MAX_REQUEST_BYTES = 32 << 20;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Prefix of the tokens boxes get (a redactor recognises them by value, not by this prefix). */
    static final String TOKEN_PREFIX = "vbx-proxy-";

    /** How a provider wants its key. */
    public enum Auth {
        /** Anthropic's {@code x-api-key} header. */
        X_API_KEY,
        /**
         * {@code Authorization: Bearer KEY} (OpenAI and most compatible servers; a Claude
         * subscription's OAuth token, whose {@code anthropic-beta} header the client sets itself).
         */
        BEARER
    }

    /** What a box gets for one route: the route (part of its base URL) and its token (its "API key"). */
    public record Grant(String route, String token) {
        @Override
        public String toString() {
            return "Grant[route=" + route + "]";
        }
    }

    /** Tokens the host counted on one route, and how many model responses carried a usage. */
    public record Counted(Usage.Tokens tokens, int responses) {
        public static final Counted NONE = new Counted(Usage.Tokens.NONE, 0);
    }

    /** Request headers never forwarded: credentials the box holds, hop-by-hop ones, those the client sets itself. */
    private static final Set<String> DROPPED_REQUEST = Set.of(
            "x-api-key",
            "authorization",
            "host",
            "connection",
            "content-length",
            "expect",
            "upgrade",
            "transfer-encoding",
            "keep-alive",
            "proxy-authorization",
            "te",
            "trailer");
    /** Response headers the proxy sets itself (it answers chunked). */
    private static final Set<String> DROPPED_RESPONSE =
            Set.of("connection", "content-length", "transfer-encoding", "keep-alive", "trailer");

    /** Where one box's requests go, the key they get, the token they must carry and what they used. */
    private record Route(URI upstream, Auth auth, String key, byte[] token, UsageMeter.Total total) {}

    private final HttpServer http;
    private final ExecutorService executor;
    private final HttpClient client;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    private CredentialProxy(HttpServer http, ExecutorService executor) {
        this.http = http;
        this.executor = executor;
        this.client = HttpClient.newBuilder()
                // no h2c upgrade headers on plain-http upstreams (local servers, relays refuse them)
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    /** Listens on a free loopback port. */
    public static CredentialProxy start() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        CredentialProxy proxy = new CredentialProxy(http, executor);
        http.createContext("/k/", proxy::handle);
        http.start();
        return proxy;
    }

    /**
     * A new route to {@code upstream} (the provider's base URL) that adds {@code key} as {@code auth}
     * says ({@code key} null: no credential, e.g. a local server or the scripted model).
     */
    public Grant register(URI upstream, Auth auth, String key) {
        Objects.requireNonNull(upstream, "upstream");
        Objects.requireNonNull(auth, "auth");
        String route = HexFormat.of().formatHex(randomBytes(16));
        String token = TOKEN_PREFIX + HexFormat.of().formatHex(randomBytes(24));
        routes.put(
                route, new Route(upstream, auth, key, token.getBytes(StandardCharsets.UTF_8), new UsageMeter.Total()));
        return new Grant(route, token);
    }

    /** What the route's responses used so far (nothing for an unknown route). */
    public Counted counted(String route) {
        Route r = routes.get(route);
        return r == null ? Counted.NONE : r.total().counted();
    }

    /** Ends a route: its token is refused from now on. */
    public void unregister(String route) {
        routes.remove(route);
    }

    /** The base URL the agent uses for {@code route}, seen from a sandbox whose host is {@code hostAddress}. */
    public String baseUrl(String hostAddress, String route) {
        return "http://" + hostAddress + ":" + port() + "/k/" + route;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String rest = path.substring("/k/".length());
            int slash = rest.indexOf('/');
            Route route = routes.get(slash < 0 ? rest : rest.substring(0, slash));
            if (route == null) {
                reply(exchange, 403, "permission_error", "unknown or expired credential proxy route");
                return;
            }
            if (!carriesToken(exchange, route.token())) {
                reply(exchange, 401, "authentication_error", "credential proxy: wrong token for this route");
                return;
            }
            String query = exchange.getRequestURI().getRawQuery();
            String base = route.upstream().toString();
            if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
            URI target =
                    URI.create(base + (slash < 0 ? "" : rest.substring(slash)) + (query == null ? "" : "?" + query));
            byte[] body = exchange.getRequestBody().readNBytes(MAX_REQUEST_BYTES + 1);
            if (body.length > MAX_REQUEST_BYTES) {
                reply(exchange, 413, "request_too_large", "request larger than the credential proxy forwards");
                return;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(target)
                    .method(
                            exchange.getRequestMethod(),
                            body.length == 0
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!DROPPED_REQUEST.contains(name.toLowerCase(Locale.ROOT)))
                    values.forEach(v -> request.header(name, v));
            });
            if (route.key() != null) {
                switch (route.auth()) {
                    case X_API_KEY -> request.header("x-api-key", route.key());
                    case BEARER -> request.header("Authorization", "Bearer " + route.key());
                }
            }
            HttpResponse<InputStream> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                reply(
                        exchange,
                        502,
                        "api_error",
                        "credential proxy: cannot reach the provider ("
                                + e.getClass().getSimpleName() + ")");
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            response.headers().map().forEach((name, values) -> {
                if (!DROPPED_RESPONSE.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":"))
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
            });
            boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
            exchange.sendResponseHeaders(response.statusCode(), head ? -1 : 0);
            boolean stream = response.headers()
                    .firstValue("content-type")
                    .map(t -> t.toLowerCase(Locale.ROOT).startsWith("text/event-stream"))
                    .orElse(false);
            UsageMeter meter = new UsageMeter(stream);
            try (InputStream in = response.body();
                    OutputStream out = exchange.getResponseBody()) {
                try {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        out.flush(); // server-sent events reach the agent as they arrive
                        meter.feed(buf, n); // read after the bytes went on: counting never delays the stream
                    }
                } finally {
                    // counted before the answer ends for the agent (closing out): whoever asks after
                    // the agent got its last answer sees it counted
                    meter.finish(route.total());
                }
            }
        }
    }

    /** Whether the request carries the route's token as {@code x-api-key} or {@code Authorization: Bearer}. */
    private static boolean carriesToken(HttpExchange exchange, byte[] token) {
        String apiKey = exchange.getRequestHeaders().getFirst("x-api-key");
        if (apiKey != null && MessageDigest.isEqual(apiKey.getBytes(StandardCharsets.UTF_8), token)) return true;
        String authorization = exchange.getRequestHeaders().getFirst("authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8), token);
    }

    private static void reply(HttpExchange exchange, int status, String type, String message) throws IOException {
        byte[] bytes = ("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        if (exchange.getRequestMethod().equalsIgnoreCase("HEAD")) { // a HEAD answer has no body
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        client.close();
    }
}
