package io.voidbox.agent.claude.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The credential proxy against a real upstream HTTP server on loopback. */
class CredentialProxyTest {
    private HttpServer upstream;
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final CountDownLatch firstEventRead = new CountDownLatch(1);
    private CredentialProxy proxy;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/api/v1/messages", exchange -> {
            seen.put("path", exchange.getRequestURI().toString());
            seen.put("x-api-key", String.valueOf(exchange.getRequestHeaders().getFirst("x-api-key")));
            seen.put(
                    "authorization", String.valueOf(exchange.getRequestHeaders().getFirst("authorization")));
            seen.put(
                    "anthropic-version",
                    String.valueOf(exchange.getRequestHeaders().getFirst("anthropic-version")));
            seen.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.getResponseHeaders().set("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("event: message_start\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                // the second event is only sent once the client has read the first: the proxy must not buffer
                firstEventRead.await(10, TimeUnit.SECONDS);
                out.write("event: message_stop\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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

    private String upstreamBase() {
        return "http://127.0.0.1:" + upstream.getAddress().getPort() + "/api";
    }

    @Test
    void theRealKeyReplacesWhatTheBoxSendsAndEventsStreamThrough() throws Exception {
        String route = proxy.register(URI.create(upstreamBase()), "sk-ant-real");
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(proxy.baseUrl("127.0.0.1", route) + "/v1/messages?beta=true"))
                .header("x-api-key", CredentialProxy.PLACEHOLDER_KEY)
                .header("authorization", "Bearer from-the-box")
                .header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true}"))
                .build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).contains("text/event-stream");
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(reader.readLine()).isEqualTo("event: message_start");
            firstEventRead.countDown();
            assertThat(reader.lines().toList()).contains("event: message_stop");
        }
        assertThat(seen)
                .containsEntry("path", "/api/v1/messages?beta=true")
                .containsEntry("x-api-key", "sk-ant-real")
                .containsEntry("authorization", "null")
                .containsEntry("anthropic-version", "2023-06-01")
                .containsEntry("body", "{\"stream\":true}");
    }

    @Test
    void unknownOrReleasedRoutesAndADeadProviderAreAnswersNotHangs() throws Exception {
        String route = proxy.register(URI.create(upstreamBase()), "sk-ant-real");
        proxy.unregister(route);
        HttpResponse<String> gone = client.send(
                HttpRequest.newBuilder(URI.create(proxy.baseUrl("127.0.0.1", route) + "/v1/messages"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(gone.statusCode()).isEqualTo(404);

        int port = upstream.getAddress().getPort();
        upstream.stop(0);
        String dead = proxy.register(URI.create("http://127.0.0.1:" + port), "sk-ant-real");
        HttpResponse<String> bad = client.send(
                HttpRequest.newBuilder(URI.create(proxy.baseUrl("127.0.0.1", dead) + "/v1/messages"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(502);
        assertThat(bad.body()).contains("cannot reach the provider").doesNotContain("sk-ant-real");
        assertThat(List.of(gone.body(), bad.body()))
                .allSatisfy(b -> assertThat(b).doesNotContain("sk-ant"));
    }
}
