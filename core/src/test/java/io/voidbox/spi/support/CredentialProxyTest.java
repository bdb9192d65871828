package io.voidbox.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.voidbox.Usage;
import io.voidbox.spi.support.CredentialProxy.Auth;
import io.voidbox.spi.support.CredentialProxy.Grant;
import java.io.ByteArrayOutputStream;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The credential proxy against a real upstream HTTP server on loopback. */
class CredentialProxyTest {
    /** An Anthropic Messages stream as the API sends it: usage on message_start, cumulative on message_delta. */
    static final String SSE = """
            event: message_start
            data: {"type":"message_start","message":{"id":"m1","usage":{"input_tokens":120,"cache_read_input_tokens":30,"cache_creation_input_tokens":5,"output_tokens":1}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"the usage is 9"}}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    private HttpServer upstream;
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final AtomicInteger upstreamCalls = new AtomicInteger();
    private final CountDownLatch firstEventRead = new CountDownLatch(1);
    private CredentialProxy proxy;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/api/v1/messages", exchange -> {
            upstreamCalls.incrementAndGet();
            seen.put("path", exchange.getRequestURI().toString());
            seen.put("x-api-key", String.valueOf(exchange.getRequestHeaders().getFirst("x-api-key")));
            seen.put(
                    "authorization", String.valueOf(exchange.getRequestHeaders().getFirst("authorization")));
            seen.put(
                    "authorizations",
                    String.valueOf(exchange.getRequestHeaders()
                            .getOrDefault("authorization", List.of())
                            .size()));
            seen.put(
                    "anthropic-version",
                    String.valueOf(exchange.getRequestHeaders().getFirst("anthropic-version")));
            seen.put(
                    "anthropic-beta",
                    String.valueOf(exchange.getRequestHeaders().getFirst("anthropic-beta")));
            seen.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.getResponseHeaders().set("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                String[] halves = SSE.split("(?<=\n\n)", 2);
                out.write(halves[0].getBytes(StandardCharsets.UTF_8));
                out.flush();
                // the rest is only sent once the client has read the first event: the proxy must not buffer
                firstEventRead.await(10, TimeUnit.SECONDS);
                out.write(halves[1].getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        upstream.createContext("/openai/v1/responses", exchange -> {
            upstreamCalls.incrementAndGet();
            seen.put(
                    "openai-authorization",
                    String.valueOf(exchange.getRequestHeaders().getFirst("authorization")));
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(
                        ("event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"usage\":null}}\n\n"
                                        + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":"
                                        + "{\"usage\":{\"input_tokens\":200,\"input_tokens_details\":{\"cached_tokens\":50},"
                                        + "\"output_tokens\":17}}}\n\n")
                                .getBytes(StandardCharsets.UTF_8));
            }
        });
        upstream.createContext("/json/v1/messages", exchange -> {
            upstreamCalls.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] body = "{\"type\":\"message\",\"usage\":{\"input_tokens\":7,\"output_tokens\":3}}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        proxy = CredentialProxy.start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.stop(0);
        client.close();
    }

    private String upstreamBase(String prefix) {
        return "http://127.0.0.1:" + upstream.getAddress().getPort() + prefix;
    }

    private HttpResponse<String> post(Grant grant, String path, String header, String value) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(proxy.baseUrl("127.0.0.1", grant.route()) + path))
                .POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (header != null) b.header(header, value);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRealKeyReplacesTheBoxTokenEventsStreamThroughUnchangedAndTheirUsageIsCounted() throws Exception {
        Grant grant = proxy.register(URI.create(upstreamBase("/api")), Auth.X_API_KEY, "sk-ant-real");
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(proxy.baseUrl("127.0.0.1", grant.route()) + "/v1/messages?beta=true"))
                .header("x-api-key", grant.token())
                .header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true}"))
                .build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("text/event-stream");
        ByteArrayOutputStream relayed = new ByteArrayOutputStream();
        try (InputStream in = response.body()) {
            // the first event arrives while the provider still holds back the rest
            while (!relayed.toString(StandardCharsets.UTF_8).endsWith("\n\n")) relayed.write(in.read());
            assertThat(relayed.toString(StandardCharsets.UTF_8)).startsWith("event: message_start\n");
            firstEventRead.countDown();
            in.transferTo(relayed);
        }
        // byte for byte what the provider sent
        assertThat(relayed.toString(StandardCharsets.UTF_8)).isEqualTo(SSE);
        assertThat(seen)
                .containsEntry("path", "/api/v1/messages?beta=true")
                .containsEntry("x-api-key", "sk-ant-real")
                .containsEntry("authorization", "null")
                .containsEntry("anthropic-version", "2023-06-01")
                .containsEntry("body", "{\"stream\":true}");
        // message_start's input and cache counts, message_delta's cumulative output count
        assertThat(proxy.counted(grant.route()))
                .isEqualTo(new CredentialProxy.Counted(new Usage.Tokens(120, 42, 30, 5), 1));

        // a plain JSON answer is counted too
        Grant json = proxy.register(URI.create(upstreamBase("/json")), Auth.X_API_KEY, "sk-ant-real");
        assertThat(post(json, "/v1/messages", "x-api-key", json.token()).statusCode())
                .isEqualTo(200);
        assertThat(post(json, "/v1/messages", "x-api-key", json.token()).statusCode())
                .isEqualTo(200);
        assertThat(proxy.counted(json.route()))
                .isEqualTo(new CredentialProxy.Counted(new Usage.Tokens(14, 6, 0, 0), 2));
    }

    @Test
    void aClaudeSubscriptionBoxSendsItsTokenAsOAuthBearerAndTheProviderGetsTheRealOneWithTheClientsHeaders()
            throws Exception {
        // Claude Code with CLAUDE_CODE_OAUTH_TOKEN: Authorization: Bearer, plus an anthropic-beta it sets itself
        Grant grant = proxy.register(URI.create(upstreamBase("/api")), Auth.BEARER, "sk-ant-oat01-real");
        firstEventRead.countDown(); // read as a whole here
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(proxy.baseUrl("127.0.0.1", grant.route()) + "/v1/messages?beta=true"))
                .header("Authorization", "Bearer " + grant.token())
                .header("anthropic-beta", "oauth-2025-04-20,claude-code-20250219")
                .header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true}"))
                .build();
        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(SSE);
        assertThat(seen)
                .containsEntry("authorization", "Bearer sk-ant-oat01-real")
                .containsEntry("authorizations", "1")
                .containsEntry("x-api-key", "null")
                .containsEntry("anthropic-beta", "oauth-2025-04-20,claude-code-20250219")
                .containsEntry("anthropic-version", "2023-06-01")
                .containsEntry("body", "{\"stream\":true}");
        assertThat(proxy.counted(grant.route()))
                .isEqualTo(new CredentialProxy.Counted(new Usage.Tokens(120, 42, 30, 5), 1));
        // the real token is no pass on this route: only the box's own token is
        assertThat(post(grant, "/v1/messages", "Authorization", "Bearer sk-ant-oat01-real")
                        .statusCode())
                .isEqualTo(401);
        assertThat(upstreamCalls).hasValue(1);
    }

    @Test
    void openAiBoxesSendTheirTokenAsBearerAndTheProviderGetsTheRealOne() throws Exception {
        Grant grant = proxy.register(URI.create(upstreamBase("/openai/v1")), Auth.BEARER, "sk-openai-real");
        HttpResponse<String> r = post(grant, "/responses", "Authorization", "Bearer " + grant.token());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("response.completed");
        assertThat(seen).containsEntry("openai-authorization", "Bearer sk-openai-real");
        // OpenAI counts cached input inside input_tokens: split as the runtime counts
        assertThat(proxy.counted(grant.route()))
                .isEqualTo(new CredentialProxy.Counted(new Usage.Tokens(150, 17, 50, 0), 1));
    }

    @Test
    void aWrongMissingOrStaleTokenIsRefusedAndNeverReachesTheProvider() throws Exception {
        Grant grant = proxy.register(URI.create(upstreamBase("/api")), Auth.X_API_KEY, "sk-ant-real");
        Grant other = proxy.register(URI.create(upstreamBase("/api")), Auth.X_API_KEY, "sk-ant-real");
        assertThat(grant.token()).isNotEqualTo(other.token()).hasSizeGreaterThanOrEqualTo(Redactor.MIN_LENGTH);

        HttpResponse<String> none = post(grant, "/v1/messages", null, null);
        HttpResponse<String> wrong = post(grant, "/v1/messages", "x-api-key", "sk-ant-guess");
        HttpResponse<String> anotherBoxes = post(grant, "/v1/messages", "x-api-key", other.token());
        HttpResponse<String> bearerWrong = post(grant, "/v1/messages", "Authorization", "Bearer " + other.token());
        assertThat(List.of(none, wrong, anotherBoxes, bearerWrong)).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.body()).contains("authentication_error").doesNotContain("sk-ant-real");
        });

        proxy.unregister(grant.route());
        HttpResponse<String> stale = post(grant, "/v1/messages", "x-api-key", grant.token());
        assertThat(stale.statusCode()).isEqualTo(403);
        assertThat(stale.body()).contains("unknown or expired");
        assertThat(upstreamCalls).hasValue(0);
        assertThat(proxy.counted(grant.route())).isEqualTo(CredentialProxy.Counted.NONE);
    }

    @Test
    void aHeadProbeWithoutTheTokenIsRefusedWithoutABody() throws Exception {
        // Claude Code probes its base URL with HEAD and no key: refused like any request, but a
        // HEAD answer carries no body (the JDK server logs a warning on every one that does)
        Grant grant = proxy.register(URI.create(upstreamBase("/api")), Auth.X_API_KEY, "sk-ant-real");
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create(proxy.baseUrl("127.0.0.1", grant.route())))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().firstValue("content-length")).isEmpty();
        assertThat(upstreamCalls).hasValue(0);
    }

    @Test
    void aDeadProviderIsAnAnswerNotAHang() throws Exception {
        int port = upstream.getAddress().getPort();
        upstream.stop(0);
        Grant dead = proxy.register(URI.create("http://127.0.0.1:" + port), Auth.X_API_KEY, "sk-ant-real");
        HttpResponse<String> bad = post(dead, "/v1/messages", "x-api-key", dead.token());
        assertThat(bad.statusCode()).isEqualTo(502);
        assertThat(bad.body()).contains("cannot reach the provider").doesNotContain("sk-ant");
    }
}
