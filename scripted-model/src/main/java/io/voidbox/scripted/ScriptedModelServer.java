package io.voidbox.scripted;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * An offline stand-in for the Anthropic Messages API that the real Claude Code CLI talks to
 * unchanged, answering from {@link Scenario scenarios}: runs are deterministic and need no model
 * access, yet the CLI really executes the tools the script asks for, inside its box.
 *
 * <p>One server serves many boxes: {@link #register} gives each box a route, and the box's CLI gets
 * {@code ANTHROPIC_BASE_URL=}{@link #baseUrl}, so its requests arrive as
 * {@code POST /r/<key>/v1/messages}. Within a route, the N-th request of a conversation (the CLI's
 * {@code X-Claude-Code-Session-Id}) gets turn N, so concurrent conversations do not mix.
 *
 * <pre>{@code
 * try (var server = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS)) {
 *     String key = server.register(Scenario.load(file), Map.of("workspace", "/workspace"));
 *     env.put("ANTHROPIC_BASE_URL", server.baseUrl("10.0.2.2", key));
 * }
 * }</pre>
 */
public final class ScriptedModelServer implements AutoCloseable {
    /** The header the CLI (2.1.197) sends with its session id on every request. */
    public static final String SESSION_HEADER = "X-Claude-Code-Session-Id";
    /**
     * The header the CLI (2.1.3xx) adds to the requests of a subagent, with the agent's id: a
     * scenario with {@code subagent_turns} answers each such agent from its own list.
     */
    public static final String AGENT_HEADER = "X-Claude-Code-Agent-Id";

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MAX_CONVERSATIONS_PER_ROUTE = 10_000;

    private final HttpServer http;
    private final ExecutorService executor;
    private final Options options;
    private final RequestLog log;
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Handler handler = new Handler(this);

    private ScriptedModelServer(HttpServer http, ExecutorService executor, Options options, RequestLog log) {
        this.http = http;
        this.executor = executor;
        this.options = options;
        this.log = log;
    }

    /** A server on the host's loopback with the default options (what a runtime starts on first use). */
    public static ScriptedModelServer startOnLoopback() {
        try {
            return start(Options.DEFAULTS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the scripted model server: " + e.getMessage(), e);
        }
    }

    /** Binds (port 0: a free port) and starts serving on virtual threads. */
    public static ScriptedModelServer start(Options options) throws IOException {
        RequestLog log = options.requestLog() == null ? null : new RequestLog(options.requestLog());
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            if (log != null) {
                log.close();
            }
            throw e;
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        var server = new ScriptedModelServer(http, executor, options, log);
        http.createContext("/", server.handler);
        http.start();
        return server;
    }

    /** Requests being answered now (each holds one of {@link Handler#MAX_IN_FLIGHT} slots). */
    int requestsInFlight() {
        return handler.inFlight();
    }

    /** The bound port. */
    public int port() {
        return http.getAddress().getPort();
    }

    /**
     * The {@code ANTHROPIC_BASE_URL} for a route, as the client reaches this server, e.g.
     * {@code baseUrl("10.0.2.2", key)} from inside a QEMU user-mode guest.
     */
    public String baseUrl(String hostAddressAsSeenByClient, String routeKey) {
        String host = hostAddressAsSeenByClient.contains(":") && !hostAddressAsSeenByClient.startsWith("[")
                ? "[" + hostAddressAsSeenByClient + "]"
                : hostAddressAsSeenByClient;
        return "http://" + host + ":" + port() + "/r/" + routeKey;
    }

    /** The base URL of a route for a client on this host. */
    public String baseUrl(String routeKey) {
        return baseUrl(http.getAddress().getAddress().getHostAddress(), routeKey);
    }

    /**
     * Serves {@code scenario} under a new random route key, with {@code {{name}}} replaced by
     * {@code vars} ({@code {{workspace}}} defaults to {@code /workspace}) and {@code ${NAME}} by the
     * environment variables {@link Options#withAllowedEnv allowed} in the options.
     *
     * @return the route key, for {@link #baseUrl(String, String)} and {@link #unregister}
     */
    public String register(Scenario scenario, Map<String, String> vars) {
        while (true) {
            byte[] bytes = new byte[8];
            random.nextBytes(bytes);
            String key = HexFormat.of().formatHex(bytes);
            if (!routes.containsKey(key)) {
                register(key, scenario, vars);
                return key;
            }
        }
    }

    /**
     * Serves {@code scenario} under a chosen key ({@code [A-Za-z0-9_-]{1,64}}), e.g. the box name.
     *
     * @throws IllegalArgumentException for a bad key
     * @throws IllegalStateException    if the key is already registered
     */
    public void register(String key, Scenario scenario, Map<String, String> vars) {
        Objects.requireNonNull(scenario, "scenario");
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("route key must match " + KEY.pattern() + ": " + key);
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("workspace", "/workspace");
        all.putAll(vars);
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : options.allowedEnv()) {
            String value = options.environment().apply(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        Scenario resolved = new Substitutor(all, env).apply(scenario);
        if (routes.putIfAbsent(key, new Route(key, resolved)) != null) {
            throw new IllegalStateException("route already registered: " + key);
        }
    }

    /** Stops serving a route; later requests to it get 404. */
    public void unregister(String routeKey) {
        routes.remove(routeKey);
    }

    /** Stops the server at once (open streams are cut) and closes the request log. */
    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        executor.close();
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    Route route(String key) {
        return routes.get(key);
    }

    Options options() {
        return options;
    }

    void record(RequestRecord record) {
        if (log != null) {
            log.onRequest(record);
        }
        if (options.listener() != null) {
            try {
                options.listener().onRequest(record);
            } catch (RuntimeException e) {
                // A listener bug must not break the conversation; the JSONL log still has the record.
            }
        }
    }

    /** A registered scenario and the turn counters of its conversations. */
    static final class Route {
        final String key;
        final Scenario scenario;
        private final Map<String, int[]> next = new LinkedHashMap<>();

        Route(String key, Scenario scenario) {
            this.key = key;
            this.scenario = scenario;
        }

        /** The 0-based turn for the next request of a conversation, or -1 if too many conversations. */
        synchronized int nextTurn(String conversation) {
            int[] counter = next.get(conversation);
            if (counter == null) {
                if (next.size() >= MAX_CONVERSATIONS_PER_ROUTE) {
                    return -1;
                }
                counter = new int[1];
                next.put(conversation, counter);
            }
            return counter[0]++;
        }
    }

    /**
     * Server configuration: start from {@link #DEFAULTS} and change what differs with the
     * {@code with} methods. The server always listens on the host's loopback, on a free port
     * (QEMU user networking forwards a guest's 10.0.2.2 there, and a namespace box reaches it through
     * its host forwarder), so no scenario is ever served to the network.
     *
     * @param requestLog      JSONL file every request is appended to ({@code null}: none)
     * @param listener        in-memory receiver of every request ({@code null}: none)
     * @param allowedEnv      environment variables {@code ${NAME}} may expand to (default none, so the
     *                        host environment never leaks into boxes)
     * @param maxRequestBytes largest accepted request body
     * @param environment     environment lookup (the process environment unless testing)
     */
    public record Options(
            Path requestLog,
            RequestListener listener,
            Set<String> allowedEnv,
            int maxRequestBytes,
            Function<String, String> environment) {
        /** No log, no listener, no environment, 16 MiB bodies. */
        public static final Options DEFAULTS = new Options(null, null, Set.of(), 16 * 1024 * 1024, System::getenv);

        public Options {
            Objects.requireNonNull(environment, "environment");
            allowedEnv = Set.copyOf(allowedEnv);
            if (maxRequestBytes < 1024) {
                throw new IllegalArgumentException("maxRequestBytes must be >= 1024, got " + maxRequestBytes);
            }
        }

        public Options withRequestLog(Path jsonl) {
            return new Options(jsonl, listener, allowedEnv, maxRequestBytes, environment);
        }

        public Options withListener(RequestListener l) {
            return new Options(requestLog, l, allowedEnv, maxRequestBytes, environment);
        }

        /** Lets {@code ${NAME}} in scenarios expand to these host environment variables. */
        public Options withAllowedEnv(String... names) {
            return new Options(requestLog, listener, Set.of(names), maxRequestBytes, environment);
        }

        public Options withMaxRequestBytes(int max) {
            return new Options(requestLog, listener, allowedEnv, max, environment);
        }

        /** Replaces the environment lookup used for {@code ${NAME}} (tests). */
        public Options withEnvironment(Function<String, String> lookup) {
            return new Options(requestLog, listener, allowedEnv, maxRequestBytes, lookup);
        }
    }

    static byte[] readBounded(HttpExchange exchange, int max) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(max + 1);
            return body.length > max ? null : body;
        }
    }

    static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, body.length == 0 || head ? -1 : body.length);
        if (body.length > 0 && !head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Writes one event stream to an output. */
    interface EventWriter {
        void write(OutputStream out) throws IOException;
    }

    /** A 200 server-sent-events answer, written whole by {@code events}. */
    static void sendEvents(HttpExchange exchange, EventWriter events) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            events.write(out);
        }
    }
}
