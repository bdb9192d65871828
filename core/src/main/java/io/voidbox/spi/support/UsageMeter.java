package io.voidbox.spi.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.Usage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the {@code usage} of one model response as the credential proxy relays it: Anthropic's
 * {@code message_start}/{@code message_delta} events (cumulative, so the last value of each field
 * wins) or a plain JSON message, and the OpenAI Responses API's {@code response.completed}. Only
 * lines that mention {@code "usage"} are parsed; a line or body past its cap is skipped.
 */
final class UsageMeter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LINE = 1 << 20;
    private static final int MAX_BODY = 4 << 20;
    private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

    /** The tokens of every response on one route. */
    static final class Total {
        private Usage.Tokens tokens = Usage.Tokens.NONE;
        private int responses;

        synchronized void add(Usage.Tokens t) {
            tokens = tokens.plus(t);
            responses++;
        }

        synchronized CredentialProxy.Counted counted() {
            return new CredentialProxy.Counted(tokens, responses);
        }
    }

    private final boolean stream;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean overflow;
    private boolean seen;
    private long input = -1;
    private long output = -1;
    private long cacheRead = -1;
    private long cacheCreation = -1;
    /** OpenAI counts cached input inside {@code input_tokens}. */
    private boolean cachedInsideInput;

    UsageMeter(boolean stream) {
        this.stream = stream;
    }

    void feed(byte[] buf, int n) {
        if (!stream) {
            if (pending.size() + n > MAX_BODY) overflow = true;
            else pending.write(buf, 0, n);
            return;
        }
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] != '\n') continue;
            append(buf, start, i - start);
            line();
            start = i + 1;
        }
        append(buf, start, n - start);
    }

    private void append(byte[] buf, int off, int len) {
        if (overflow || len == 0) return;
        if (pending.size() + len > MAX_LINE) overflow = true;
        else pending.write(buf, off, len);
    }

    private void line() {
        byte[] line = pending.toByteArray();
        boolean skip = overflow;
        pending.reset();
        overflow = false;
        if (skip || !startsWith(line, "data:") || !contains(line, USAGE)) return;
        parse(line, 5, line.length - 5);
    }

    /** Adds this response's usage to {@code total}, if it had one. */
    void finish(Total total) {
        if (stream) {
            if (pending.size() > 0) line();
        } else if (!overflow && pending.size() > 0) {
            byte[] body = pending.toByteArray();
            if (contains(body, USAGE)) parse(body, 0, body.length);
        }
        if (!seen) return;
        long in = Math.max(0, input);
        long read = Math.max(0, cacheRead);
        long creation = Math.max(0, cacheCreation);
        if (cachedInsideInput) in = Math.max(0, in - read - creation);
        total.add(new Usage.Tokens(in, Math.max(0, output), read, creation));
    }

    private void parse(byte[] bytes, int off, int len) {
        JsonNode node;
        try {
            node = JSON.readTree(bytes, off, len);
        } catch (IOException e) {
            return; // not JSON: nothing to count
        }
        if (node == null || !node.isObject()) return;
        JsonNode usage = node.get("usage");
        if (usage == null || !usage.isObject()) usage = node.path("message").get("usage");
        if (usage == null || !usage.isObject()) usage = node.path("response").get("usage");
        if (usage == null || !usage.isObject()) return;
        seen = true;
        input = field(usage, "input_tokens", input);
        output = field(usage, "output_tokens", output);
        cacheRead = field(usage, "cache_read_input_tokens", cacheRead);
        cacheCreation = field(usage, "cache_creation_input_tokens", cacheCreation);
        JsonNode details = usage.get("input_tokens_details");
        if (details != null && details.has("cached_tokens")) {
            cachedInsideInput = true;
            cacheRead = details.get("cached_tokens").asLong();
        }
    }

    private static long field(JsonNode usage, String name, long previous) {
        JsonNode v = usage.get(name);
        return v != null && v.isNumber() ? v.asLong() : previous;
    }

    private static boolean startsWith(byte[] line, String prefix) {
        if (line.length < prefix.length()) return false;
        for (int i = 0; i < prefix.length(); i++) if (line[i] != prefix.charAt(i)) return false;
        return true;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }
}
