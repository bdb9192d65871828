package io.voidbox.agent.claude.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Keeps API keys out of boxes (VoidBox's {@code credential_proxy}): the agent gets a placeholder
 * key and a base URL on this host-side proxy; the proxy strips whatever credentials the request
 * carries, adds the real key and forwards the request to the provider, streaming the answer back
 * as it arrives (the Messages API streams server-sent events). One proxy serves every box, each on
 * its own unguessable route that lives as long as the box's agent run. It listens on loopback,
 * which a micro-VM reaches through its gateway like the scripted model server.
 */
final class CredentialProxy implements AutoCloseable {
    static final String PLACEHOLDER_KEY = "voidbox-credential-proxy";
    static final int MAX_REQUEST_BYTES = 32 << 20;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

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

    /** Where one box's requests go, and the key they get. */
    private record Route(URI upstream, String key) {}

    private final HttpServer http;
    private final ExecutorService executor;
    private final HttpClient client;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    private CredentialProxy(HttpServer http, ExecutorService executor) {
        this.http = http;
        this.executor = executor;
        this.client = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    /** Listens on a free loopback port. */
    static CredentialProxy start() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        CredentialProxy proxy = new CredentialProxy(http, executor);
        http.createContext("/k/", proxy::handle);
        http.start();
        return proxy;
    }

    /** A new route to {@code upstream} (the provider's base URL) that adds {@code key} as {@code x-api-key}. */
    String register(URI upstream, String key) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        String route = HexFormat.of().formatHex(id);
        routes.put(route, new Route(upstream, key));
        return route;
    }

    void unregister(String route) {
        routes.remove(route);
    }

    /** The base URL the agent uses for {@code route}, seen from a sandbox whose host is {@code hostAddress}. */
    String baseUrl(String hostAddress, String route) {
        return "http://" + hostAddress + ":" + http.getAddress().getPort() + "/k/" + route;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String rest = path.substring("/k/".length());
            int slash = rest.indexOf('/');
            Route route = routes.get(slash < 0 ? rest : rest.substring(0, slash));
            if (route == null) {
                reply(
                        exchange,
                        404,
                        "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\","
                                + "\"message\":\"unknown credential proxy route\"}}");
                return;
            }
            String query = exchange.getRequestURI().getRawQuery();
            String base = route.upstream().toString();
            if (base.endsWith("/")) base = base.substring(0, base.length() - 1);
            URI target =
                    URI.create(base + (slash < 0 ? "" : rest.substring(slash)) + (query == null ? "" : "?" + query));
            byte[] body = exchange.getRequestBody().readNBytes(MAX_REQUEST_BYTES + 1);
            if (body.length > MAX_REQUEST_BYTES) {
                reply(
                        exchange,
                        413,
                        "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\","
                                + "\"message\":\"request larger than the credential proxy forwards\"}}");
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
            request.header("x-api-key", route.key());
            HttpResponse<InputStream> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                reply(
                        exchange,
                        502,
                        "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":"
                                + "\"credential proxy: cannot reach the provider ("
                                + e.getClass().getSimpleName() + ")\"}}");
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
            try (InputStream in = response.body();
                    OutputStream out = exchange.getResponseBody()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush(); // server-sent events reach the agent as they arrive
                }
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
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
