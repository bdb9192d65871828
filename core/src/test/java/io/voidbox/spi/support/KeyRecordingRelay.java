package io.voidbox.spi.support;

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
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Test upstream for "the key never enters a box" attacks: a model provider stand-in on host
 * loopback that records the {@code x-api-key} of every request it gets (what the provider would
 * check) and relays the request to {@code target} (e.g. a scripted model route), streaming the
 * answer back. Boxes never reach it directly: only the credential proxy does.
 */
public final class KeyRecordingRelay implements AutoCloseable {
    private static final Set<String> HOP =
            Set.of("host", "connection", "content-length", "transfer-encoding", "upgrade", "http2-settings", "expect");

    private final HttpServer http;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client = HttpClient.newHttpClient();
    private final String target;
    private final List<String> keys = new CopyOnWriteArrayList<>();

    private KeyRecordingRelay(String target) throws IOException {
        this.target = target.endsWith("/") ? target.substring(0, target.length() - 1) : target;
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.setExecutor(executor);
        http.createContext("/", this::relay);
        http.start();
    }

    /** Relays everything to {@code target} (a base URL). */
    public static KeyRecordingRelay to(String target) throws IOException {
        return new KeyRecordingRelay(target);
    }

    /** The base URL the host reaches it at. */
    public String baseUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    /** The {@code x-api-key} of every request so far ({@code "(none)"} when absent). */
    public List<String> keysSeen() {
        return List.copyOf(keys);
    }

    /**
     * A scenario for a box whose agent looks for {@code key} with Bash: in its environment, in
     * every {@code /proc/PID/environ} it can read and in the files of its writable and system
     * directories; it prints {@code env=N proc=N files=N} (counts) and the first characters of the
     * "key" it holds. The key is assembled at run time, so the command text (which lands in the
     * agent's transcripts) never holds it.
     */
    public static String lookForKeyScenario(String key) {
        int half = key.length() / 2;
        String find = "A='" + key.substring(0, half) + "'; B='" + key.substring(half) + "'; K=\"$A$B\"; "
                + "e=$(env | grep -cF \"$K\"); "
                + "p=$(for f in /proc/[0-9]*/environ; do tr '\\\\0' '\\\\n' < $f; done 2>/dev/null | grep -cF \"$K\"); "
                + "n=$(grep -rlsF \"$K\" /workspace /tmp /home /etc /opt /run /var \"$HOME\" 2>/dev/null | wc -l); "
                + "echo \"env=$e proc=$p files=$n holds=${ANTHROPIC_API_KEY:0:10}\"";
        return """
                turns:
                  - tool_use:
                      - name: Bash
                        input:
                          description: "look for the key"
                          command: "%s"
                    usage: {input_tokens: 100, output_tokens: 10}
                  - text: "looked"
                    usage: {input_tokens: 100, output_tokens: 10}
                """.formatted(find.replace("\"", "\\\""));
    }

    private void relay(HttpExchange exchange) throws IOException {
        try (exchange) {
            String key = exchange.getRequestHeaders().getFirst("x-api-key");
            keys.add(key == null ? "(none)" : key);
            URI uri = URI.create(target + exchange.getRequestURI().toString());
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP.contains(name.toLowerCase(Locale.ROOT))) values.forEach(v -> b.header(name, v));
            });
            HttpResponse<InputStream> r;
            try {
                r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            r.headers().map().forEach((name, values) -> {
                if (!HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":"))
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
            });
            boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
            exchange.sendResponseHeaders(r.statusCode(), head ? -1 : 0);
            if (head) return;
            try (InputStream in = r.body();
                    OutputStream out = exchange.getResponseBody()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        client.close();
    }
}
