package io.voidbox.agent.claude.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The real Claude Code stream-json samples, as test resources next to this class. */
final class Samples {

    static final String BASH = "claude_2.1.197_stream_bash.jsonl";
    static final String PARTIAL = "claude_2.1.197_stream_partial_messages.jsonl";
    static final String API_ERROR = "claude_2.1.197_stream_api_error_400.jsonl";

    private Samples() {}

    static List<String> lines(String name) {
        try (InputStream in = Samples.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
